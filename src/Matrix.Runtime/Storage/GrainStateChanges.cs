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
/// How many changes to one grain type this node has heard of. Whatever is read from those states is stamped with
/// <see cref="Current"/> taken *before* the read: it is still good while the count has not moved, and a change
/// that lands during the read makes it stale at once instead of being lost.
/// </summary>
public sealed class GrainStateGeneration
{
    private long _count;

    public GrainStateGeneration(GrainStateChanges changes, string grainType) =>
        changes.Changed += type =>
        {
            if (type is null || type == grainType) Interlocked.Increment(ref _count);
        };

    public long Current => Volatile.Read(ref _count);
}

/// <summary>One value derived from the states of one grain type (a list, say), kept until a state of that type changes or <c>maxAge</c> passes.</summary>
public sealed class GrainStateCache<T>(GrainStateChanges changes, string grainType, TimeProvider time, TimeSpan maxAge) where T : class
{
    private readonly GrainStateGeneration _generation = new(changes, grainType);
    private Entry? _entry;

    public async Task<T> GetAsync(Func<Task<T>> load)
    {
        var generation = _generation.Current;
        var now = time.GetUtcNow();
        if (_entry is { } e && e.Generation == generation && now - e.LoadedAt < maxAge) return e.Value;
        var value = await load();
        _entry = new Entry(value, generation, now);
        return value;
    }

    private sealed record Entry(T Value, long Generation, DateTimeOffset LoadedAt);
}
