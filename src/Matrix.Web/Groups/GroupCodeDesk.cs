using System.Security.Claims;
using Matrix.Domain;
using Matrix.Domain.Groups;
using Matrix.Grains;
using Matrix.Grains.Groups;
using Matrix.Web.Access;

namespace Matrix.Web.Groups;

public sealed record GroupCodeRequest(string? Name, string? PersonaId);

public sealed record GroupRequest(string? Name, GroupKind Kind = GroupKind.WeChat, int? Capacity = null, int? SoftFull = null);

public sealed record GroupImageRequest(string? ImageUrl);

/// <param name="Members">The group's members as counted on the phone (replaces Matrix's count).</param>
/// <param name="Joined">People who joined otherwise than by a scan since the last report (added to Matrix's count).</param>
public sealed record GroupMembersRequest(int? Members = null, int? Joined = null);

/// <summary>A code made a WeCom join way: the corp, whether WeCom opens groups when all are full (always said), and the chats to link.</summary>
public sealed record JoinWayRequest(string? CorpId, bool? AutoCreateRoom, string? RoomBaseName = null, int? RoomBaseId = null, int? Capacity = null, int? SoftFull = null,
    IReadOnlyList<string>? ChatIds = null);

/// <param name="ImageExpiresAt">When the group's QR image stops working (7 days after its upload).</param>
/// <param name="Serves">A scan now may be sent here (a WeCom group: the join way lists it).</param>
/// <param name="ImageNeeded">Its image expires within a day, or there is none: upload a new one.</param>
/// <param name="ChatId">A WeCom group's chat; its members are WeCom's count read at <paramref name="CountedAt"/>.</param>
public sealed record GroupView(string Id, string Name, GroupKind Kind, int Capacity, int SoftFull, int Members, long Scans, string? ImageUrl, DateTimeOffset? ImageUploadedAt,
    DateTimeOffset? ImageExpiresAt, DateTimeOffset? ClosedAt, bool Serves, bool ImageNeeded, string? ChatId, DateTimeOffset? CountedAt);

/// <param name="Listed">The chats WeCom's join way lists now (as last sent).</param>
/// <param name="SyncError">Why the last sync failed, in WeCom's words (null when it did not).</param>
public sealed record JoinWayView(string CorpId, bool AutoCreateRoom, string? RoomBaseName, int? RoomBaseId, int Capacity, int SoftFull, string? ConfigId, string State,
    IReadOnlyList<string> Listed, string? QrCode, DateTimeOffset? SyncedAt, string? SyncError);

/// <param name="AllFull">No group may take a scan now: scans meet the polite "full" page, and a task asks for a new group.</param>
/// <param name="JoinWay">Set for a code of WeCom groups (a join way).</param>
public sealed record GroupCodeView(string Id, string Name, string PersonaId, string Path, IReadOnlyList<GroupView> Groups, bool AllFull, DateTimeOffset ComputedAt,
    JoinWayView? JoinWay);

/// <summary>
/// Group live codes for the console and the API. A code is its persona's: who sees the persona sees the code, uploads
/// its groups' images and reports their members; who manages the persona (an admin, its team's lead) creates codes,
/// links groups and closes them.
/// </summary>
public sealed class GroupCodeDesk(GroupCodeStore store, WeCom.WeComGroupCodes joinWays, AccessService access, AuditLog audit, StoreClock clock)
{
    public async Task<IReadOnlyList<GroupCodeView>> ListAsync(ClaimsPrincipal user)
    {
        var personas = (await access.VisiblePersonasAsync(user)).Select(p => p.Id).ToHashSet();
        return [.. (await store.ListAsync()).Where(c => personas.Contains(c.PersonaId)).Select(View)];
    }

    public async Task<GroupCodeView> GetAsync(ClaimsPrincipal user, string id) => View(await SeenAsync(user, id));

    public async Task<IReadOnlyList<GroupHistoryEntry>> HistoryAsync(ClaimsPrincipal user, string id) => await store.HistoryAsync((await SeenAsync(user, id)).Id);

    public async Task<GroupCodeView> CreateAsync(ClaimsPrincipal user, GroupCodeRequest request)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name)) errors.Add(FieldError.Of("name", RuleKeys.Required, "is required"));
        else if (request.Name.Trim().Length > 64) errors.Add(FieldError.Of("name", RuleKeys.TooLong, "must be at most {0} characters (got {1})", 64, request.Name.Trim().Length));
        if (string.IsNullOrWhiteSpace(request.PersonaId)) errors.Add(FieldError.Of("personaId", RuleKeys.Required, "is required"));
        DomainValidationException.ThrowIfAny(errors);
        await access.PersonaFieldAsync(user, request.PersonaId, "personaId");
        await access.PersonaAsync(user, request.PersonaId!, manage: true);
        var id = await store.CreateAsync(request.Name!.Trim(), request.PersonaId!, AccessService.ViewerOf(user).Name);
        await audit.WriteAsync(AccessService.ViewerOf(user).Name, "group-code.created", id, request.Name.Trim());
        return View((await store.GetAsync(id))!);
    }

    /// <summary>
    /// Makes the code a WeCom join way (or changes its settings, or links more chats): who manages the persona does.
    /// The chats are read from WeCom before anything changes.
    /// </summary>
    public async Task<GroupCodeView> SetJoinWayAsync(ClaimsPrincipal user, string id, JoinWayRequest request)
    {
        var code = await SeenAsync(user, id, manage: true);
        var capacity = request.Capacity ?? code.JoinWay?.Settings.Capacity ?? GroupRules.MaxCapacity(GroupKind.WeCom);
        var settings = new JoinWaySettings(request.AutoCreateRoom, request.RoomBaseName?.Trim(), request.RoomBaseId, capacity, request.SoftFull ?? code.JoinWay?.Settings.SoftFull ?? capacity);
        var by = AccessService.ViewerOf(user).Name;
        await joinWays.ConfigureAsync(code, request.CorpId?.Trim(), settings, request.ChatIds, by);
        await audit.WriteAsync(by, "group-code.join-way", code.Id, request.CorpId!.Trim());
        return await GetAsync(user, id);
    }

    /// <summary>Counts the code's WeCom groups from WeCom now and syncs its join way (what the sweep does every few minutes).</summary>
    public async Task<GroupCodeView> RecountAsync(ClaimsPrincipal user, string id)
    {
        var code = await SeenAsync(user, id);
        if (code.JoinWay is null) throw DomainValidationException.Of("id", RuleKeys.Invalid, "is not a code of WeCom groups");
        await joinWays.RecountAsync(code.Id, "counted on request");
        return await GetAsync(user, id);
    }

    public async Task<GroupCodeView> AddGroupAsync(ClaimsPrincipal user, string id, GroupRequest request)
    {
        var code = await SeenAsync(user, id, manage: true);
        // A join way's groups are WeCom's chats, linked by their ids (PUT join-way); an uploaded image would never be shown.
        if (code.JoinWay is not null) throw DomainValidationException.Of("chatIds", RuleKeys.Invalid, "a WeCom code's groups are linked by their chat ids");
        var max = GroupRules.MaxCapacity(request.Kind);
        var settings = new GroupSettings(request.Name?.Trim() ?? "", request.Kind, request.Capacity ?? max, request.SoftFull ?? request.Capacity ?? max);
        DomainValidationException.ThrowIfAny([.. settings.Validate()]);
        await store.AddGroupAsync(code.Id, settings, AccessService.ViewerOf(user).Name);
        return await GetAsync(user, id);
    }

    /// <summary>A new QR image for the group, uploaded now: it works for 7 days.</summary>
    public async Task<GroupCodeView> SetImageAsync(ClaimsPrincipal user, string id, string groupId, string? imageUrl)
    {
        var code = await SeenAsync(user, id);
        DomainValidationException.ThrowIfAny([.. GroupRules.ValidateImage(imageUrl)]);
        if (!await store.SetImageAsync(code.Id, groupId, imageUrl!.Trim(), AccessService.ViewerOf(user).Name)) throw new KeyNotFoundException($"group {groupId}");
        return await GetAsync(user, id);
    }

    /// <summary>
    /// What an operator saw: the group's members as counted on the phone (Matrix's count from then on starts there),
    /// or people who joined by hand (added to it, up to the capacity).
    /// </summary>
    public async Task<GroupCodeView> ReportMembersAsync(ClaimsPrincipal user, string id, string groupId, GroupMembersRequest request)
    {
        var code = await SeenAsync(user, id);
        var group = code.Groups.FirstOrDefault(g => g.Id == groupId && g.ClosedAt is null) ?? throw new KeyNotFoundException($"group {groupId}");
        var by = AccessService.ViewerOf(user).Name;
        var done = (request.Members, request.Joined) switch
        {
            ({ } n, null) when n >= 0 && n <= group.Capacity => await store.ReportMembersAsync(code.Id, groupId, n, by),
            ({ }, null) => throw DomainValidationException.Of("members", RuleKeys.Between, "must be between {0} and {1}", 0, group.Capacity),
            (null, { } k) when k >= 1 && k <= group.Capacity => await store.AddJoinsAsync(code.Id, groupId, k, by),
            (null, { }) => throw DomainValidationException.Of("joined", RuleKeys.Between, "must be between {0} and {1}", 1, group.Capacity),
            _ => throw DomainValidationException.Of("members", RuleKeys.Required, "is required (or joined, not both)"),
        };
        if (!done) throw new KeyNotFoundException($"group {groupId}");
        return await GetAsync(user, id);
    }

    public async Task<GroupCodeView> CloseAsync(ClaimsPrincipal user, string id, string groupId)
    {
        var code = await SeenAsync(user, id, manage: true);
        if (!await store.CloseAsync(code.Id, groupId, AccessService.ViewerOf(user).Name)) throw new KeyNotFoundException($"group {groupId}");
        return await GetAsync(user, id);
    }

    private async Task<GroupCode> SeenAsync(ClaimsPrincipal user, string id, bool manage = false)
    {
        var code = await store.GetAsync(id) ?? throw new KeyNotFoundException($"group code {id}");
        await access.PersonaAsync(user, code.PersonaId, manage);
        return code;
    }

    private GroupCodeView View(GroupCode code)
    {
        var now = clock.UtcNow;
        var (_, allFull) = GroupCodeService.Warnings(code, now);
        var way = code.JoinWay;
        var groups = code.Groups.Select(g => g.ChatId is { } chat
            ? new GroupView(g.Id, g.Name, g.Kind, g.Capacity, g.SoftFull, g.Members, g.Scans, null, null, null, g.ClosedAt, way!.Listed.Contains(chat), false, chat, g.CountedAt)
            : new GroupView(g.Id, g.Name, g.Kind, g.Capacity, g.SoftFull, g.Members, g.Scans, g.ImageUrl, g.ImageUploadedAt, GroupRules.ImageExpiresAt(g.State), g.ClosedAt,
                GroupRules.Serves(g.State, now), GroupRules.ImageNeeded(g.State, now), null, null));
        var wayView = way is null ? null : new JoinWayView(way.CorpId, way.Settings.AutoCreateRoom == true, way.Settings.RoomBaseName, way.Settings.RoomBaseId,
            way.Settings.Capacity, way.Settings.SoftFull, way.ConfigId, JoinWayRules.State(code.Id), way.Listed, way.QrCode, way.SyncedAt, way.SyncError);
        return new(code.Id, code.Name, code.PersonaId, $"/g/{code.Id}", [.. groups], allFull, now, wayView);
    }
}
