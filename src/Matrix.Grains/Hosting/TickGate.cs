namespace Matrix.Grains;

/// <summary>
/// How many reminder ticks this node works at once (default 32). A tick reads the ledger, the directory and the task
/// store and writes a task: a hundred thousand follow-ups due at one instant would otherwise open as many statements
/// together. Ticks past the limit wait their turn in memory; grain calls and requests are not held up by it.
/// </summary>
public sealed class TickGate(int limit = TickGate.DefaultLimit)
{
    public const int DefaultLimit = 32;

    private readonly SemaphoreSlim _slots = new(limit, limit);

    /// <summary>
    /// Runs <paramref name="tick"/> (a call into a grain) when a slot is free, outside any grain's turn, so a grain waiting
    /// for a slot keeps taking its other calls. Counted by <paramref name="pending"/> until it has run.
    /// </summary>
    public void Queue(Func<Task> tick, ImmediateWork pending)
    {
        pending.Started();
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(tick);
            }
            catch
            {
                // The reminder stands: the tick comes again.
            }
            finally
            {
                pending.Finished();
            }
        });
    }

    public async Task RunAsync(Func<Task> tick)
    {
        await _slots.WaitAsync();
        try
        {
            await tick();
        }
        finally
        {
            _slots.Release();
        }
    }
}
