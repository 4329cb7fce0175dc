using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Runtime;

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
            var outcome = await ledger.ConfirmFriendAsync($"task:{task.Id}", target, customer, null, now, null, task.Reservation);
            if (outcome == FriendAddOutcome.Full) return TaskDoneOutcome.TargetFull;
            if (task.Kind == "transfer") await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(customer).RecordTransfer(now));
        }
        return await tasks.MarkDoneAsync(id, by, now) ? TaskDoneOutcome.Done : TaskDoneOutcome.AlreadyDone;
    }
}
