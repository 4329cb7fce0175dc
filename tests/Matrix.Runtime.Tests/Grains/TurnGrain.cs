using Matrix.Runtime;

namespace Matrix.Runtime.Tests.Grains;

/// <summary>Probes the turn discipline: an unguarded read-yield-write counter, a call that waits for the test, idle hooks.</summary>
public interface ITurnGrain : IGrain
{
    Task<int> UnsafeIncrement();
    Task WaitForRelease();
    Task<int> Ping();
}

public sealed class TurnProbe
{
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<string> Deactivated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int Activations;
}

public sealed class TurnGrain(TurnProbe probe) : Grain, ITurnGrain
{
    private int _count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref probe.Activations);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken)
    {
        probe.Deactivated.TrySetResult(GrainKey);
        return Task.CompletedTask;
    }

    async Task<int> ITurnGrain.UnsafeIncrement()
    {
        var read = _count;
        await Task.Yield();
        _count = read + 1;
        return _count;
    }

    Task ITurnGrain.WaitForRelease() => probe.Release.Task;

    Task<int> ITurnGrain.Ping() => Task.FromResult(_count);
}
