using Matrix.Runtime.Storage;

namespace Matrix.Runtime.Activation;

/// <summary>One grain living in one node's memory. Its turn lock makes calls run one at a time.</summary>
internal sealed class GrainActivation(GrainId id)
{
    public GrainId Id { get; } = id;

    public SemaphoreSlim Turn { get; } = new(1, 1);

    public object? Instance { get; set; }

    public IPersistentStateSlot? State { get; set; }

    /// <summary>Removed from the catalog; a caller that was queued on it must find a fresh activation.</summary>
    public volatile bool Defunct;

    /// <summary>Highest state version another node announced; above our own, our copy is stale.</summary>
    private long _announcedVersion;

    private long _lastUsedTicks;

    public bool IsActivated => Instance is not null;

    public bool IsStale => State is not null && Interlocked.Read(ref _announcedVersion) > State.Version;

    public void Announce(long version)
    {
        long seen;
        while (version > (seen = Interlocked.Read(ref _announcedVersion)))
            if (Interlocked.CompareExchange(ref _announcedVersion, version, seen) == seen) return;
    }

    /// <summary>Marks the copy stale whatever its version (used when notifications may have been missed).</summary>
    public void Invalidate() => Announce(long.MaxValue);

    public void Touch(DateTimeOffset now) => Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);

    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);
}
