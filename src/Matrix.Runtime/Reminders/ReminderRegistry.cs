using Microsoft.Extensions.Options;

namespace Matrix.Runtime.Reminders;

/// <summary>What a grain's reminder calls go through: validation first, then the table, then a wake-up if it is due soon.</summary>
internal sealed class ReminderRegistry(ReminderTable table, ReminderWakeSignal wake, TimeProvider time, IOptions<ReminderOptions> options)
{
    private readonly ReminderOptions _options = options.Value;

    public async Task RegisterOrUpdateAsync(GrainId grain, string name, DateTimeOffset dueAt, TimeSpan? period)
    {
        ReminderSchedule.Validate(name, period, _options.MinimumPeriod);
        // Pollers sleep up to PollInterval; only a reminder due before their next look needs to wake them.
        var dueSoon = dueAt - time.GetUtcNow() < _options.PollInterval;
        await table.UpsertAsync(grain, name, dueAt, period, wakePollers: dueSoon);
        if (dueSoon) wake.Wake();
    }

    public Task UnregisterAsync(GrainId grain, string name)
    {
        ReminderSchedule.Validate(name, null, _options.MinimumPeriod);
        return table.DeleteAsync(grain, name);
    }

    public Task<IReadOnlyList<ReminderEntry>> ListAsync(GrainId grain) => table.ListAsync(grain);
}

/// <summary>Lets the poller sleep until the next due reminder yet wake at once when a sooner one arrives.</summary>
internal sealed class ReminderWakeSignal
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Take this before looking at the table: any wake after that moment completes it, so none is lost.</summary>
    public Task Current => Volatile.Read(ref _signal).Task;

    public void Wake() => Interlocked.Exchange(ref _signal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
