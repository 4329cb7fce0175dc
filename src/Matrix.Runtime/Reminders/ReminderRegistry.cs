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

/// <summary>
/// Lets the poller sleep until the next due reminder yet wake at once when a sooner one arrives, without losing a
/// wake-up that comes while it is busy. Each sleep belongs to a round; a wake-up ends the current round.
/// </summary>
internal sealed class ReminderWakeSignal
{
    private Round _current = new();

    /// <summary>Take this before looking at the table: any wake-up after that moment ends it, so none is lost.</summary>
    public Round Current => Volatile.Read(ref _current);

    public void Wake() => Interlocked.Exchange(ref _current, new Round()).WakeUp.TrySetResult();

    /// <summary>The poller woke by its own timer: the round it slept in is over.</summary>
    public void EndRound(Round round) => Interlocked.CompareExchange(ref _current, new Round(), round);

    /// <summary>
    /// Completes once the poller is parked with its timer set and no wake-up pending (tests move a fake clock only
    /// then). A round woken before it parked is followed to the next one: a reminder armed for "now" while the
    /// poller works (a grain re-arming itself, say) is delivered before this completes.
    /// </summary>
    public async Task WhenIdle()
    {
        while (true)
        {
            var round = Current;
            if (await Task.WhenAny(round.Idle.Task, round.WakeUp.Task) == round.Idle.Task) return;
        }
    }

    internal sealed class Round
    {
        public TaskCompletionSource WakeUp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Idle { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
