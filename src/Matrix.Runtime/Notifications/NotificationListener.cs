using Matrix.Runtime.Activation;
using Matrix.Runtime.Reminders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Runtime.Notifications;

/// <summary>
/// The only way nodes hear of each other: one LISTEN connection per node. State writes of other nodes mark
/// our copies stale; reminder registrations due soon wake our poller. Anything published while the connection
/// was down is unknown, so a reconnect distrusts every cached activation.
/// </summary>
internal sealed class NotificationListener(
    NpgsqlDataSource db,
    GrainCatalog catalog,
    GrainStateChanges changes,
    ReminderWakeSignal wake,
    IOptions<GrainRuntimeOptions> options,
    ILogger<NotificationListener> logger) : BackgroundService
{
    private readonly string _nodeId = options.Value.NodeId;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place (start-up waits on it, so no early write is missed).</summary>
    public Task Listening => _listening.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        await Listening.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listening = await ListenConnection.OpenAsync(db, OnNotification, [StatePublisher.ChannelName, ReminderTable.Channel], stoppingToken);
                if (!first) InvalidateAll();
                first = false;
                _listening.TrySetResult();
                wake.Wake();
                await listening.WaitForeverAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenerReconnecting(logger, ex);
                InvalidateAll();
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == ReminderTable.Channel)
        {
            wake.Wake();
            return;
        }
        if (StatePublisher.Parse(e.Payload) is not ({ } node, { } writes) || node == _nodeId) return;
        // Caches first: whoever awaits an activation's announcement then finds the caches already told.
        foreach (var type in writes.Select(w => w.Type).Distinct()) changes.Written(type);
        foreach (var w in writes) catalog.AnnounceVersion(new GrainId(w.Type, w.Key), w.Version);
    }

    private void InvalidateAll()
    {
        catalog.InvalidateAll();
        changes.Unknown();
    }
}
