namespace Matrix.Grains.Changes;

/// <summary>
/// How many changes to some topics this node has heard of. Whatever is read is stamped with <see cref="Current"/>
/// taken *before* the read: it is still good while the count has not moved, and a change that lands during the read
/// makes it stale at once instead of being lost.
/// </summary>
public sealed class ChangeGeneration
{
    private long _count;

    public ChangeGeneration(ChangeFeed feed, ChangeTopics topics) =>
        feed.Changed += heard =>
        {
            if ((heard & topics) != 0) Interlocked.Increment(ref _count);
        };

    public long Current => Volatile.Read(ref _count);
}

/// <summary>One value read from the database (a list, say), kept until a change to its topics is heard or <c>maxAge</c> passes.</summary>
public sealed class ChangeCache<T>(ChangeFeed feed, ChangeTopics topics, TimeProvider time, TimeSpan maxAge) where T : class
{
    private readonly ChangeGeneration _generation = new(feed, topics);
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
