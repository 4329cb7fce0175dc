using System.Security.Claims;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>One account's work for today, as the person holding its phone sees it.</summary>
public sealed record AccountQueue(AccountRow Account, IReadOnlyList<WorkTask> Tasks);

/// <summary>
/// The day's work: open tasks due by the end of the store's today on the accounts the viewer sees, and the actions
/// a person reports back (done, skipped, a friend confirmed). Matrix never acts on a personal account itself.
/// </summary>
public sealed class TaskDesk(AccountDesk accounts, TaskStore tasks, TaskService service, AccessService access, FriendEventService friends, StoreClock clock)
{
    public async Task<IReadOnlyList<AccountQueue>> TodayAsync(ClaimsPrincipal user)
    {
        var rows = await accounts.RowsAsync(user);
        var due = (await tasks.DueAsync([.. rows.Select(r => r.Id)], clock.TodayUtc.End)).ToLookup(t => t.AccountId);
        return [.. rows.Select(r => new AccountQueue(r, [.. due[r.Id]]))];
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
    /// The operator saw the customer's add on the phone and confirms it. Keyed by account and customer, so pressing
    /// twice (or on two devices) counts the friend once.
    /// </summary>
    public async Task<FriendAddOutcome> ConfirmFriendAsync(ClaimsPrincipal user, string accountId, string externalId, string? channel)
    {
        if (string.IsNullOrWhiteSpace(externalId)) throw Matrix.Domain.DomainValidationException.Of("externalId", Matrix.Domain.RuleKeys.Required, "is required");
        await access.AccountAsync(user, accountId);
        var id = externalId.Trim();
        return await friends.AddedAsync(new FriendAddedEvent(accountId, id, clock.UtcNow, $"console:{accountId}:{id}", string.IsNullOrWhiteSpace(channel) ? null : channel.Trim()));
    }
}
