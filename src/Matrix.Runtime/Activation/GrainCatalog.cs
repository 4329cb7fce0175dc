using System.Collections.Concurrent;
using System.Text.Json;
using Matrix.Runtime.Reminders;
using Matrix.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Matrix.Runtime.Activation;

/// <summary>
/// This node's table of activations and the only way into them. Every call takes the activation's turn,
/// so a grain never runs two calls at once (non-reentrant, as in Orleans): a grain that calls itself,
/// directly or round a cycle, waits until the call timeout.
/// </summary>
internal sealed class GrainCatalog(
    IServiceProvider services,
    GrainTypeRegistry registry,
    GrainStateStore store,
    ReminderRegistry reminders,
    TimeProvider time,
    IOptions<GrainRuntimeOptions> options,
    ILogger<GrainCatalog> logger)
{
    internal static JsonSerializerOptions Json => GrainStateJson.Options;

    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private readonly GrainRuntimeOptions _options = options.Value;

    // Resolved at first activation, not injected: the factory needs the catalog. (It used to be set by the factory's
    // constructor, which left it null on a node whose first activation came from a reminder before anything had
    // asked for a factory.)
    private IGrainFactory Factory => field ??= services.GetRequiredService<IGrainFactory>();

    public int Count => _activations.Count;

    public Task InvokeAsync(GrainId id, string method, Func<object, Task> call) =>
        InvokeAsync(id, method, async grain => { await call(grain); return true; });

    public async Task<T> InvokeAsync<T>(GrainId id, string method, Func<object, Task<T>> call)
    {
        while (true)
        {
            var activation = _activations.GetOrAdd(id, static key => new GrainActivation(key));
            await activation.Turn.WaitAsync();
            var releaseTurn = true;
            try
            {
                if (activation.Defunct) continue;
                if (activation.IsStale)
                {
                    Drop(activation);
                    continue;
                }
                if (!activation.IsActivated) await ActivateAsync(activation);
                activation.Touch(time.GetUtcNow());

                var turn = call(activation.Instance!);
                try
                {
                    return await turn.WaitAsync(_options.CallTimeout, time);
                }
                catch (TimeoutException) when (!turn.IsCompleted)
                {
                    // The turn goes on; the grain stays locked until it ends, so non-reentrancy holds.
                    releaseTurn = false;
                    _ = turn.ContinueWith(t =>
                    {
                        if (t.Exception?.InnerException is GrainStateConflictException) Drop(activation);
                        activation.Turn.Release();
                    }, TaskScheduler.Default);
                    throw new GrainCallTimeoutException(id, method, _options.CallTimeout);
                }
            }
            catch (GrainStateConflictException)
            {
                Drop(activation);
                throw;
            }
            finally
            {
                if (releaseTurn) activation.Turn.Release();
            }
        }
    }

    private async Task ActivateAsync(GrainActivation activation)
    {
        var registration = registry.Get(activation.Id.Type);
        try
        {
            object[] args = [];
            if (registration.StateType is { } stateType)
            {
                var slotType = typeof(PersistentState<>).MakeGenericType(stateType);
                var slot = (IPersistentStateSlot)Activator.CreateInstance(slotType, activation.Id, store, Json)!;
                await slot.ReadAsync();
                activation.State = slot;
                args = [slot];
            }
            var instance = registration.Factory(services, args);
            if (instance is Grain grain)
            {
                grain.Context = new GrainContext(activation.Id, Factory, reminders, time);
                await grain.OnActivateAsync(CancellationToken.None);
            }
            activation.Instance = instance;
        }
        catch
        {
            Drop(activation);
            throw;
        }
    }

    private void Drop(GrainActivation activation)
    {
        activation.Defunct = true;
        _activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(activation.Id, activation));
    }

    /// <summary>Another node wrote this grain's state: a copy older than <paramref name="version"/> must not serve another call.</summary>
    public void AnnounceVersion(GrainId id, long version)
    {
        if (_activations.TryGetValue(id, out var activation)) activation.Announce(version);
        VersionAnnounced?.Invoke(id, version);
    }

    /// <summary>Raised for every state write announced by another node (tests await it instead of sleeping).</summary>
    internal event Action<GrainId, long>? VersionAnnounced;

    /// <summary>Notifications may have been missed (the listener reconnected): trust no cached state.</summary>
    public void InvalidateAll()
    {
        foreach (var activation in _activations.Values) activation.Invalidate();
    }

    /// <summary>Deactivates activations idle since before <paramref name="cutoff"/>; busy ones are left for the next round.</summary>
    public async Task<int> DeactivateIdleAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var activation in _activations.Values)
        {
            if (activation.LastUsed >= cutoff || !await activation.Turn.WaitAsync(0, cancellationToken)) continue;
            try
            {
                if (activation.Defunct || activation.LastUsed >= cutoff) continue;
                Drop(activation);
                count++;
                if (activation.Instance is Grain grain)
                {
                    try { await grain.OnDeactivateAsync(cancellationToken); }
                    catch (Exception ex) { Log.DeactivateFailed(logger, ex, activation.Id); }
                }
            }
            finally
            {
                activation.Turn.Release();
            }
        }
        return count;
    }
}
