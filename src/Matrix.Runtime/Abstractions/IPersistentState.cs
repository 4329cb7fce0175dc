namespace Matrix.Runtime;

/// <summary>
/// A grain's durable state: one row per grain, written with compare-and-swap on <see cref="Version"/>.
/// Ask for it in the grain's constructor; the runtime reads it before the grain's first turn.
/// </summary>
public interface IPersistentState<TState> where TState : class, new()
{
    TState State { get; set; }

    /// <summary>The stored version this activation last read or wrote; 0 when no row exists.</summary>
    long Version { get; }

    bool RecordExists { get; }

    /// <summary>Writes <see cref="State"/>. Throws <see cref="GrainStateConflictException"/> when another writer got there first.</summary>
    Task WriteStateAsync();

    /// <summary>Resets <see cref="State"/> to a new instance and writes it (same conflict rule).</summary>
    Task ClearStateAsync();
}
