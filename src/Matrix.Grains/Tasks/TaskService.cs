using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;

namespace Matrix.Grains.Tasks;

public enum TaskDoneOutcome { Done, AlreadyDone, TargetFull }

/// <summary>Completing tasks. A re-homing task's customer starts to count on the target account when it is done.</summary>
public sealed class TaskService(TaskStore tasks, CapacityLedger ledger, IGrainFactory grains, StoreClock clock)
{
    public async Task<TaskDoneOutcome> DoneAsync(Guid id, string by)
    {
        var task = await tasks.GetAsync(id) ?? throw new KeyNotFoundException($"task {id}");
        if (task.Status != "open") return TaskDoneOutcome.AlreadyDone;
        var now = clock.UtcNow;
        if (task is { TargetAccountId: { } target, CustomerId: { } customer })
        {
            // Keyed by the task: done twice (or retried after a crash) counts the customer once.
            var outcome = await ledger.ConfirmFriendAsync($"task:{task.Id}", target, customer, null, now, null, task.Reservation, arrival: Arrival.MovedIn);
            if (outcome == FriendAddOutcome.Full) return TaskDoneOutcome.TargetFull;
            if (task.Kind == "transfer") await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(customer).RecordTransfer(now));
        }
        if (!await tasks.MarkDoneAsync(id, by, now)) return TaskDoneOutcome.AlreadyDone;
        // Anything done for a customer is a touch the message budget counts (a re-home introduction too), but a service message.
        if (task.CustomerId is { } touched && Domain.Campaigns.MessageBudget.Counts(task.Kind)) await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(touched).RecordTouch(now));
        return TaskDoneOutcome.Done;
    }

    public async Task<bool> SkipAsync(Guid id, string reason, string by)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw Domain.DomainValidationException.Of("reason", Domain.RuleKeys.SkipReason, "say why the task is skipped");
        if (reason.Length > 200) throw Domain.DomainValidationException.Of("reason", Domain.RuleKeys.TooLong, "must be at most {0} characters (got {1})", 200, reason.Length);
        _ = await tasks.GetAsync(id) ?? throw new KeyNotFoundException($"task {id}");
        return await tasks.SkipAsync(id, reason, by, clock.UtcNow);
    }
}
