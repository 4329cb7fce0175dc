namespace Matrix.Grains;

/// <summary>
/// How many wake-ups due at once (<see cref="MatrixGrain"/>'s grain timers) this node has started and not finished:
/// a chain of them (a rollout's chunks) counts as one while it lasts, since each schedules the next before it ends.
/// Lets a test, or a graceful stop, tell when the work a request set going in the background is done.
/// </summary>
public sealed class ImmediateWork
{
    private int _pending;
    private TaskCompletionSource _idle = CompletedSource();

    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Completes when nothing is pending (at once if nothing is).</summary>
    public Task WhenIdle()
    {
        lock (this) return _idle.Task;
    }

    internal void Started()
    {
        lock (this)
        {
            if (_pending++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    internal void Finished()
    {
        lock (this)
        {
            if (--_pending == 0) _idle.TrySetResult();
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
