using System.Security.Cryptography;
using System.Text;
using Matrix.Domain.Accounts;
using Matrix.Domain.Groups;
using Matrix.Grains.Tasks;

namespace Matrix.Grains.Groups;

/// <summary>What a scan of a group code shows: the group and its QR image, or that every group is full (Group null).</summary>
public sealed record GroupScan(GroupCode Code, GroupRow? Group, string? ImageUrl);

/// <summary>
/// A scan of a group code: the groups are tried in the code's order among those the rules let a scan go to, each
/// taken with one conditional update (<see cref="GroupCodeStore.TryTakeAsync"/>), so a thousand scans at once never
/// send more people to a group than its soft full by Matrix's count. When none has room, the persona's first active
/// account gets one task a day to open a new group.
/// </summary>
public sealed class GroupCodeService(GroupCodeStore store, TaskStore tasks, MatrixDirectory directory, StoreClock clock)
{
    public const string TaskKind = "group";

    /// <summary>The scan's group, or null for no such code. <paramref name="kept"/>: the group this browser was shown before (a reload takes no second place).</summary>
    public async Task<GroupScan?> ScanAsync(string codeId, string? kept = null)
    {
        var code = await store.GetAsync(codeId);
        if (code is null) return null;
        if (code.JoinWay is { } way) return await JoinWayScanAsync(code, way);
        var now = clock.UtcNow;
        if (kept is not null && code.Groups.FirstOrDefault(g => g.Id == kept) is { } again && again.ClosedAt is null && GroupRules.ImageExpiresAt(again.State) > now)
            return new(code, again, again.ImageUrl);
        // A group another scan filled meanwhile is passed over; the next is tried on the same read, since places only ever fill.
        foreach (var candidate in GroupRules.Candidates(code.Groups.Select(g => g.State), now))
        {
            if (await store.TryTakeAsync(code.Id, candidate.Id, now) is { } image)
                return new(code, code.Groups.First(g => g.Id == candidate.Id), image);
        }
        await AskForAGroupAsync(code);
        return new(code, null, null);
    }

    /// <summary>
    /// The code's groups that need someone now: an image expiring within a day (or gone), and whether none has room.
    /// A join way's groups have no images; they are full when none is below its soft full.
    /// </summary>
    public static (IReadOnlyList<GroupRow> ImageNeeded, bool AllFull) Warnings(GroupCode code, DateTimeOffset now) =>
        code.JoinWay is not null ? ([], JoinWayRules.AllFull(code.WeComGroups))
        : ([.. code.Groups.Where(g => GroupRules.ImageNeeded(g.State, now))], !GroupRules.Candidates(code.Groups.Select(g => g.State), now).Any());

    // WeCom sends the scan to a group itself: the page shows the way's QR while a group has room or WeCom opens new ones.
    private async Task<GroupScan> JoinWayScanAsync(GroupCode code, JoinWay way)
    {
        if (way.QrCode is not null && (way.Settings.AutoCreateRoom == true || JoinWayRules.ChatList(code.WeComGroups).Count > 0)) return new(code, null, way.QrCode);
        await AskForAGroupAsync(code);
        return new(code, null, null);
    }

    /// <summary>One task a store day per code, on the persona's first active account (the id is derived, so scans at once add one).</summary>
    public async Task AskForAGroupAsync(GroupCode code)
    {
        var account = (await directory.AccountsAsync(personaId: code.PersonaId)).Where(a => a.Profile.Status is AccountStatus.Active or AccountStatus.WarmingUp)
            .OrderBy(a => a.Id, StringComparer.Ordinal).FirstOrDefault();
        if (account is null) return;
        var id = new Guid(MD5.HashData(Encoding.UTF8.GetBytes($"group-full\n{code.Id}\n{clock.Today:yyyy-MM-dd}")));
        await tasks.AddAsync(new WorkTask(id, account.Id, null, TaskKind, code.Name, clock.UtcNow, $"group:{code.Id}", "open", null, null, null, null), clock.UtcNow);
    }
}
