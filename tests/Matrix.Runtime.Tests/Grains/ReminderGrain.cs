using System.Collections.Concurrent;
using Matrix.Runtime;

namespace Matrix.Runtime.Tests.Grains;

public interface IReminderGrain : IGrain
{
    Task Arm(string name, DateTimeOffset dueAt, TimeSpan? period);
    Task Disarm(string name);
    Task<IReadOnlyList<ReminderEntry>> List();
}

/// <summary>Every tick delivered in this test process, with the node that delivered it; tests await counts instead of sleeping.</summary>
public sealed class TickLog
{
    private readonly ConcurrentQueue<(string Grain, string Name, TickStatus Status, string Node, DateTimeOffset At)> _ticks = new();
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyCollection<(string Grain, string Name, TickStatus Status, string Node, DateTimeOffset At)> Ticks => _ticks;

    public void Record(string grain, string name, TickStatus status, string node, DateTimeOffset at)
    {
        _ticks.Enqueue((grain, name, status, node, at));
        lock (_gate)
            foreach (var w in _waiters.Where(w => _ticks.Count >= w.Count).ToList())
            {
                w.Done.TrySetResult();
                _waiters.Remove(w);
            }
    }

    public Task WaitForAsync(int count, TimeSpan? timeout = null)
    {
        lock (_gate)
        {
            if (_ticks.Count >= count) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
    }
}

/// <summary>Names the node a grain lives on (each test node registers its own).</summary>
public sealed record NodeName(string Value);

public sealed class ReminderGrain(TickLog log, NodeName node, TimeProvider time) : Grain, IReminderGrain, IRemindable
{
    Task IReminderGrain.Arm(string name, DateTimeOffset dueAt, TimeSpan? period) => RegisterOrUpdateReminderAsync(name, dueAt, period);

    Task IReminderGrain.Disarm(string name) => UnregisterReminderAsync(name);

    Task<IReadOnlyList<ReminderEntry>> IReminderGrain.List() => GetRemindersAsync();

    Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        log.Record(GrainKey, name, status, node.Value, time.GetUtcNow());
        return Task.CompletedTask;
    }
}
