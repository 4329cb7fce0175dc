using Matrix.Domain;
using Matrix.Runtime;

namespace Matrix.Grains;

/// <summary>The state of a <see cref="RecordGrain{TRecord}"/>: the record, or null before it is created.</summary>
public sealed class RecordState<TRecord> where TRecord : class
{
    public TRecord? Value { get; set; }
}

/// <summary>
/// A grain whose whole state is one validated record (a persona, a channel): created once under its key, then
/// replaced whole. Creating an existing one or updating a missing one is refused.
/// </summary>
public abstract class RecordGrain<TRecord>(IPersistentState<RecordState<TRecord>> state, string noun) : Grain where TRecord : class
{
    protected TRecord? Current => state.State.Value;

    protected Task CreateRecord(TRecord value) =>
        state.State.Value is not null ? throw new DomainValidationException("id", $"{noun} {GrainKey} exists already") : Save(value);

    protected Task UpdateRecord(TRecord value) =>
        state.State.Value is null ? throw new KeyNotFoundException($"{noun} {GrainKey}") : Save(value);

    /// <summary>Throws <see cref="DomainValidationException"/> when the record breaks a rule.</summary>
    protected abstract void Validate(TRecord value);

    private Task Save(TRecord value)
    {
        Validate(value);
        state.State.Value = value;
        return state.WriteStateAsync();
    }
}
