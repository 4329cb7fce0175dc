using System.Security.Claims;
using Matrix.Domain.FollowUps;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;
using Microsoft.Extensions.Options;

namespace Matrix.Web.ConsoleModel;

/// <summary>An account's open work for the rest of the store's today, counted by urgency (<see cref="TaskUrgency"/>).</summary>
public sealed record AccountLoad(AccountRow Account, int Overdue, int DueNow, int Later)
{
    public int Total => Overdue + DueNow + Later;
}

/// <summary>A scan waiting for its add: the operator confirms the friend from it, typing only the customer's WeChat ID.</summary>
public sealed record HeldScan(Guid Token, string? ChannelId, string? ChannelName, DateTimeOffset ScannedAt);

/// <summary>
/// The day's work: open tasks due by the end of the store's today on the accounts the viewer sees, and the actions
/// a person reports back (done, skipped, a friend confirmed). Matrix never acts on a personal account itself.
/// </summary>
public sealed class TaskDesk(AccountDesk accounts, TaskStore tasks, TaskService service, AccessService access, FriendEventService friends,
    CapacityLedger ledger, MatrixDirectory directory, IOptions<MatrixOptions> options, StoreClock clock)
{
    /// <summary>Every account the viewer sees with its counts; the most pressing first (work due, or a customer adding it right now).</summary>
    public async Task<IReadOnlyList<AccountLoad>> LoadsAsync(ClaimsPrincipal user)
    {
        var rows = await accounts.RowsAsync(user);
        var now = clock.UtcNow;
        var counts = await tasks.LoadsAsync([.. rows.Select(r => r.Id)], TaskUrgency.OverdueBefore(now), now, clock.TodayUtc.End);
        return [.. rows.Select(r => counts.TryGetValue(r.Id, out var c) ? new AccountLoad(r, c.Overdue, c.DueNow, c.Later) : new AccountLoad(r, 0, 0, 0))
            .OrderByDescending(l => l.Overdue + l.DueNow + l.Account.Entry.Ledger.Reserved > 0).ThenByDescending(l => l.Total > 0).ThenBy(l => l.Account.Profile.WeChatId, StringComparer.Ordinal)];
    }

    /// <summary>One account's open tasks due by the end of the store's today, oldest first.</summary>
    public async Task<IReadOnlyList<WorkTask>> TasksAsync(ClaimsPrincipal user, string accountId)
    {
        await access.AccountAsync(user, accountId);
        return await tasks.DueAsync([accountId], clock.TodayUtc.End);
    }

    /// <summary>The scans of the account's live codes still held: each one a customer who may be adding the account right now.</summary>
    public async Task<IReadOnlyList<HeldScan>> HoldsAsync(ClaimsPrincipal user, string accountId)
    {
        await access.AccountAsync(user, accountId);
        var channels = (await directory.ChannelsAsync()).ToDictionary(c => c.Id, c => c.Definition.Name);
        var hold = options.Value.ReservationHold;
        return [.. (await ledger.HoldsAsync(accountId, clock.UtcNow)).Select(h =>
            new HeldScan(h.Token, h.ChannelId, h.ChannelId is { } c ? channels.GetValueOrDefault(c, c) : null, h.ExpiresAt - hold))];
    }

    public async Task<TaskDoneOutcome> DoneAsync(ClaimsPrincipal user, Guid taskId)
    {
        await access.TaskAsync(user, taskId);
        return await service.DoneAsync(taskId, AccountDesk.By(user));
    }

    public async Task SkipAsync(ClaimsPrincipal user, Guid taskId, string reason)
    {
        await access.TaskAsync(user, taskId);
        await service.SkipAsync(taskId, reason, AccountDesk.By(user));
    }

    /// <summary>
    /// The operator saw the customer's add on the phone and confirms it, from the scan it came from when there is one
    /// (its channel and its held slot). Keyed by account and customer, so pressing twice (or on two devices) counts
    /// the friend once.
    /// </summary>
    public async Task<FriendAddOutcome> ConfirmFriendAsync(ClaimsPrincipal user, string accountId, string externalId, HeldScan? scan)
    {
        if (string.IsNullOrWhiteSpace(externalId)) throw Matrix.Domain.DomainValidationException.Of("externalId", Matrix.Domain.RuleKeys.Required, "is required");
        await access.AccountAsync(user, accountId);
        var id = externalId.Trim();
        return await friends.AddedAsync(new FriendAddedEvent(accountId, id, clock.UtcNow, $"console:{accountId}:{id}", scan?.ChannelId, scan?.Token));
    }
}
