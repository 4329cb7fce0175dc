using System.Text.Json;
using Matrix.Domain;
using Matrix.Storage.Hosting;

namespace Matrix.Grains;

/// <summary>The state of a <see cref="RecordGrain{TRecord}"/>: the record, or null before it is created.</summary>
public sealed class RecordState<TRecord> where TRecord : class
{
    public TRecord? Value { get; set; }
}

/// <summary>
/// A grain whose whole state is one validated record (a persona, a channel, a plan): created once under its key,
/// then replaced whole, and listed through its directory row. Creating an existing one is refused, unless it is the
/// same record again: that is a retry of a create whose directory row may not have been written, and completes it.
/// Updating a missing one is refused.
/// </summary>
/// <remarks>Every save is announced on the change feed under <paramref name="topic"/>, so every node's copies and pages hear of it.</remarks>
public abstract class RecordGrain<TRecord>(IPersistentState<RecordState<TRecord>> state, string kind, DirectoryWriter directory,
    Changes.ChangeFeed changes, Changes.ChangeTopics topic) : MatrixGrain
    where TRecord : class
{
    protected TRecord? Current => state.State.Value;

    protected async Task CreateRecord(TRecord value)
    {
        if (state.State.Value is { } existing)
        {
            if (!Same(existing, value)) throw DomainValidationException.Of("id", RuleKeys.Exists, "{0} exists already", GrainKey);
            await directory.RecordAsync(kind, GrainKey, existing);
            return;
        }
        await Save(value);
    }

    protected Task UpdateRecord(TRecord value) =>
        state.State.Value is null ? throw new KeyNotFoundException($"{kind} {GrainKey}") : Save(value);

    /// <summary>Throws <see cref="DomainValidationException"/> when the record breaks a rule.</summary>
    protected abstract void Validate(TRecord value);

    private async Task Save(TRecord value)
    {
        Validate(value);
        state.State.Value = value;
        await SaveAsync(state);
        await directory.RecordAsync(kind, GrainKey, value);
        changes.Announce(topic);
    }

    private static bool Same(TRecord a, TRecord b) =>
        JsonSerializer.Serialize(a, StateSerializer.Options) == JsonSerializer.Serialize(b, StateSerializer.Options);
}
