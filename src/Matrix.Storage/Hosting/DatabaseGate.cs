using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Matrix.Storage.Hosting;

/// <summary>
/// How many of the silo's grain-state and reminder-table operations may use the node's connection pool at once
/// (<see cref="SiloSettings.StorageConcurrency"/>). Orleans starts them without limit: a hundred thousand reminders
/// due at one instant activate a hundred thousand grains, each reading its state, and a pool of a few hundred
/// connections then times its waiters out. Behind the gate they queue in memory instead, in order, for as long as it
/// takes, and the rest of the node (requests, the ledger) keeps connections of its own.
/// </summary>
public sealed class DatabaseGate(int limit)
{
    private readonly SemaphoreSlim _slots = new(limit, limit);

    public int Limit { get; } = limit;

    public async Task<T> RunAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await operation();
        }
        finally
        {
            _slots.Release();
        }
    }

    public Task RunAsync(Func<Task> operation, CancellationToken cancellationToken = default) =>
        RunAsync(async () =>
        {
            await operation();
            return true;
        }, cancellationToken);

    /// <summary>Puts the grain storage named <paramref name="name"/> and the reminder table behind the gate.</summary>
    internal static void Install(IServiceCollection services, string name, int limit)
    {
        services.AddSingleton(new DatabaseGate(limit));

        var storage = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name));
        services.Remove(storage);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) =>
            new GatedGrainStorage((IGrainStorage)Create(storage, sp, key), sp.GetRequiredService<DatabaseGate>()));

        var reminders = services.Last(d => d.ServiceType == typeof(IReminderTable) && !d.IsKeyedService);
        services.Remove(reminders);
        services.AddSingleton<IReminderTable>(sp => new GatedReminderTable((IReminderTable)Create(reminders, sp, null), sp.GetRequiredService<DatabaseGate>()));
    }

    private static object Create(ServiceDescriptor d, IServiceProvider sp, object? key) =>
        d.IsKeyedService
            ? d.KeyedImplementationInstance ?? d.KeyedImplementationFactory?.Invoke(sp, key) ?? ActivatorUtilities.CreateInstance(sp, d.KeyedImplementationType!)
            : d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!);
}

// Both overloads of each operation are forwarded as called: Orleans 10.4.2 calls some with a cancellation token and
// some without, and its providers implement one or the other.
internal sealed class GatedGrainStorage(IGrainStorage inner, DatabaseGate gate) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        gate.RunAsync(() => inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken), cancellationToken);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        gate.RunAsync(() => inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken), cancellationToken);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        gate.RunAsync(() => inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken), cancellationToken);

    // The provider starts with the silo (it checks its queries then); the gate has nothing to start.
    public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);
}

internal sealed class GatedReminderTable(IReminderTable inner, DatabaseGate gate) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    [Obsolete("Orleans calls StartAsync; kept for the interface.")]
    public Task Init() => inner.StartAsync(CancellationToken.None);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => gate.RunAsync(() => inner.ReadRows(grainId));

    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) => gate.RunAsync(() => inner.ReadRows(grainId, cancellationToken), cancellationToken);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => gate.RunAsync(() => inner.ReadRows(begin, end));

    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) => gate.RunAsync(() => inner.ReadRows(begin, end, cancellationToken), cancellationToken);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => gate.RunAsync(() => inner.ReadRow(grainId, reminderName));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        gate.RunAsync(() => inner.ReadRow(grainId, reminderName, cancellationToken), cancellationToken);

    public Task<string?> UpsertRow(ReminderEntry entry) => gate.RunAsync(() => inner.UpsertRow(entry));

    public Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken) => gate.RunAsync(() => inner.UpsertRow(entry, cancellationToken), cancellationToken);

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => gate.RunAsync(() => inner.RemoveRow(grainId, reminderName, eTag));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        gate.RunAsync(() => inner.RemoveRow(grainId, reminderName, eTag, cancellationToken), cancellationToken);

    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
}
