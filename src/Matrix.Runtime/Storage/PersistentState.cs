using System.Text.Json;

namespace Matrix.Runtime.Storage;

internal interface IPersistentStateSlot
{
    long Version { get; }
    Task ReadAsync();
}

internal sealed class PersistentState<TState>(GrainId id, GrainStateStore store, JsonSerializerOptions json)
    : IPersistentState<TState>, IPersistentStateSlot where TState : class, new()
{
    // A grain may start two writes in one turn (Task.WhenAll); they still go to the database one after the other.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public TState State { get; set; } = new();

    public long Version { get; private set; }

    public bool RecordExists => Version > 0;

    public async Task ReadAsync()
    {
        var (stored, version) = await store.ReadAsync(id);
        State = stored is null ? new TState() : JsonSerializer.Deserialize<TState>(stored, json) ?? new TState();
        Version = version;
    }

    public async Task WriteStateAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            Version = await store.WriteAsync(id, JsonSerializer.Serialize(State, json), Version);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // Clearing writes a fresh state rather than deleting the row: versions only ever grow, which is what
    // lets other nodes tell a stale copy from a current one.
    public Task ClearStateAsync()
    {
        State = new TState();
        return WriteStateAsync();
    }
}
