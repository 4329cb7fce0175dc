using Matrix.Runtime.Activation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Matrix.Runtime.Reminders;

/// <summary>
/// Each node runs one poller: claim due reminders (SKIP LOCKED, so nodes never block each other), deliver each
/// to its grain, then delete or re-arm them. Between rounds it sleeps until the next due time, the poll interval,
/// or a wake-up (a local registration or a NOTIFY from another node), whichever comes first.
/// </summary>
internal sealed class ReminderService(
    ReminderTable table,
    GrainCatalog catalog,
    ReminderWakeSignal wake,
    TimeProvider time,
    IOptions<ReminderOptions> options,
    IOptions<GrainRuntimeOptions> runtimeOptions,
    ILogger<ReminderService> logger) : BackgroundService
{
    private readonly ReminderOptions _options = options.Value;
    private readonly string _nodeId = runtimeOptions.Value.NodeId;

    /// <summary>Raised after each delivery with the tick and when it was delivered (for lateness measurements).</summary>
    internal event Action<ClaimedReminder, DateTimeOffset>? Delivered;

    /// <summary>Raised once a claimed batch is delivered and completed in the table, with its size.</summary>
    internal event Action<int>? RoundCompleted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var round = wake.Current;
            try
            {
                await DrainAsync(stoppingToken);
                var now = time.GetUtcNow();
                var next = await table.NextDueAsync(now);
                var sleep = next is { } due ? Min(due - now, _options.PollInterval) : _options.PollInterval;
                if (sleep > TimeSpan.Zero) await SleepAsync(sleep, round, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ReminderPollFailed(logger, ex);
                await SleepAsync(TimeSpan.FromSeconds(1), round, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Claims and delivers until nothing is due. Several loops run at once so that one batch's database round trips
    /// overlap another's deliveries; SKIP LOCKED keeps them from claiming the same rows.
    /// </summary>
    private Task DrainAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.ConcurrentBatches).Select(async _ =>
        {
            while (await RunOnceAsync(cancellationToken) == _options.BatchSize) { }
        }));

    /// <summary>Claims and delivers one batch; returns how many reminders it claimed.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var (token, claimed) = await table.ClaimAsync(_nodeId, time.GetUtcNow(), _options.LeaseDuration, _options.BatchSize);
        if (claimed.Count == 0) return 0;

        var outcomes = new ReminderOutcome[claimed.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, claimed.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentDeliveries, CancellationToken = cancellationToken },
            async (i, _) => outcomes[i] = await DeliverAsync(claimed[i]));
        await table.CompleteAsync(token, outcomes);
        RoundCompleted?.Invoke(claimed.Count);
        return claimed.Count;
    }

    private async Task<ReminderOutcome> DeliverAsync(ClaimedReminder r)
    {
        var status = new TickStatus(r.Start, r.Period, r.TickDueAt);
        try
        {
            await catalog.InvokeAsync(r.Grain, nameof(IRemindable.ReceiveReminder), grain =>
                grain is IRemindable remindable
                    ? remindable.ReceiveReminder(r.Name, status)
                    : throw new InvalidOperationException($"Grain {r.Grain} has reminders but does not implement IRemindable."));
            Delivered?.Invoke(r, time.GetUtcNow());
            return new(r, NextAfterSuccess(r), 0);
        }
        catch (Exception ex)
        {
            var attempt = r.Attempts + 1;
            Log.ReminderDeliveryFailed(logger, ex, r.Grain, r.Name, attempt);
            // A periodic reminder just moves to its next tick (as in Orleans); a one-shot one is retried a few times.
            if (r.Period is not null) return new(r, NextAfterSuccess(r), 0);
            if (attempt >= _options.MaxDeliveryAttempts)
            {
                Log.ReminderDropped(logger, r.Grain, r.Name, attempt);
                return new(r, null, attempt);
            }
            return new(r, time.GetUtcNow() + _options.RetryDelay, attempt);
        }
    }

    private DateTimeOffset? NextAfterSuccess(ClaimedReminder r)
    {
        if (r.Period is not { } period) return null;
        var now = time.GetUtcNow();
        return ReminderSchedule.NextTick(r.Start, period, now > r.TickDueAt ? now : r.TickDueAt);
    }

    private async Task SleepAsync(TimeSpan delay, ReminderWakeSignal.Round round, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(delay, time, cts.Token);
        if (ReferenceEquals(wake.Current, round)) round.Idle.TrySetResult();
        await Task.WhenAny(timer, round.WakeUp.Task);
        await cts.CancelAsync();
        wake.EndRound(round);
        stoppingToken.ThrowIfCancellationRequested();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
