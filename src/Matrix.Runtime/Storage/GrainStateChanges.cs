namespace Matrix.Runtime;

/// <summary>
/// Tells this node's caches of grain state that something changed: a write committed here, a write another node
/// announced, or (when the notification connection was lost) possibly anything. Caches built on it must treat a
/// change as "reload before the next use", never as the new value: announcements from other nodes arrive after
/// their commit, milliseconds late.
/// </summary>
public sealed class GrainStateChanges
{
    /// <summary>Raised with the grain type written, or null when every cached state must be forgotten.</summary>
    public event Action<string?>? Changed;

    internal void Written(string grainType) => Changed?.Invoke(grainType);

    internal void Unknown() => Changed?.Invoke(null);
}

/// <summary>
/// One value derived from the states of one grain type (a list, say), kept until a state of that type changes or
/// <c>maxAge</c> passes. A load is stamped with the generation seen before it started, so a change that lands
/// while it runs makes its result stale at once instead of being lost.
/// </summary>
public sealed class GrainStateCache<T> where T : class
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxAge;
    private long _generation;
    private Entry? _entry;

    public GrainStateCache(GrainStateChanges changes, string grainType, TimeProvider time, TimeSpan maxAge)
    {
        _time = time;
        _maxAge = maxAge;
        changes.Changed += type =>
        {
            if (type is null || type == grainType) Interlocked.Increment(ref _generation);
        };
    }

    public async Task<T> GetAsync(Func<Task<T>> load)
    {
        var generation = Volatile.Read(ref _generation);
        var now = _time.GetUtcNow();
        if (_entry is { } e && e.Generation == generation && now - e.LoadedAt < _maxAge) return e.Value;
        var value = await load();
        _entry = new Entry(value, generation, now);
        return value;
    }

    private sealed record Entry(T Value, long Generation, DateTimeOffset LoadedAt);
}
