using System.Collections.Concurrent;

namespace Matrix.Grains.Capacity;

/// <summary>
/// Holds for scans on this node. While one hold statement for an account is on its way, further scans wanting that
/// account wait, and the next statement holds for all of them at once: under a burst, the account's row lock and
/// commit are taken once per batch instead of once per scan. With no burst every scan goes alone, as before. The
/// database still decides how many of a batch fit; the first ones in line get the slots, the rest are refused and
/// move on to their next choice, exactly as if they had lost a race.
/// </summary>
public sealed class HoldBatcher(CapacityLedger ledger)
{
    /// <summary>The most holds one statement asks for.</summary>
    public const int MaxBatch = 64;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new();

    public Task<(Guid Token, LedgerRow Counters)?> TryReserveAsync(string accountId, int loadLimit, int? budget, string? channelId, TimeSpan hold)
    {
        var waiter = new Waiter(loadLimit, budget, channelId, hold);
        var lane = _lanes.GetOrAdd(accountId, _ => new Lane());
        lock (lane)
        {
            lane.Waiting.Add(waiter);
            if (lane.Running) return waiter.Done.Task;
            lane.Running = true;
        }
        _ = DrainAsync(accountId, lane);
        return waiter.Done.Task;
    }

    private async Task DrainAsync(string accountId, Lane lane)
    {
        while (true)
        {
            List<Waiter> taken;
            lock (lane)
            {
                if (lane.Waiting.Count == 0)
                {
                    lane.Running = false;
                    return;
                }
                taken = lane.Waiting;
                lane.Waiting = [];
            }
            // Waiters asking with other limits (a budget or cap that changed between two choices) go in statements of their own.
            foreach (var group in taken.GroupBy(w => (w.LoadLimit, w.Budget, w.Hold)))
            foreach (var batch in group.Chunk(MaxBatch))
                await HoldAsync(accountId, group.Key.LoadLimit, group.Key.Budget, group.Key.Hold, batch);
        }
    }

    private async Task HoldAsync(string accountId, int loadLimit, int? budget, TimeSpan hold, Waiter[] batch)
    {
        try
        {
            var (tokens, counters) = await ledger.TryReserveManyAsync(accountId, loadLimit, budget, batch.Select(w => w.ChannelId).ToList(), hold);
            for (var i = 0; i < batch.Length; i++)
                batch[i].Done.SetResult(i < tokens.Count ? (tokens[i], counters!) : null);
        }
        catch (Exception ex)
        {
            foreach (var waiter in batch) waiter.Done.SetException(ex);
        }
    }

    private sealed class Lane
    {
        public List<Waiter> Waiting = [];
        public bool Running;
    }

    private sealed record Waiter(int LoadLimit, int? Budget, string? ChannelId, TimeSpan Hold)
    {
        public TaskCompletionSource<(Guid Token, LedgerRow Counters)?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
