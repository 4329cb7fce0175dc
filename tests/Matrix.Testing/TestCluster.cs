using Matrix.Runtime;
using Matrix.Runtime.Activation;
using Matrix.Runtime.Reminders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Matrix.Testing;

/// <summary>
/// Several runtime nodes in one test process on one real database, in the spirit of Orleans's TestingHost.
/// Nodes share nothing but the database (and, when a test gives one, the manual clock).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<TestNode> _nodes = [];
    private readonly Action<IServiceCollection> _configureServices;
    private readonly Action<GrainRuntimeOptions>? _configureRuntime;
    private readonly Action<ReminderOptions>? _configureReminders;
    private int _started;

    private TestCluster(string connectionString, TimeProvider time, Action<IServiceCollection> configureServices,
        Action<GrainRuntimeOptions>? configureRuntime, Action<ReminderOptions>? configureReminders)
    {
        ConnectionString = connectionString;
        Time = time;
        _configureServices = configureServices;
        _configureRuntime = configureRuntime;
        _configureReminders = configureReminders;
    }

    public string ConnectionString { get; }

    public TimeProvider Time { get; }

    public IReadOnlyList<TestNode> Nodes => _nodes;

    /// <summary>Waits until every node's reminder poller is parked, so a manual clock can be moved without a race.</summary>
    public Task RemindersIdleAsync() => Task.WhenAll(_nodes.Select(n => n.RemindersIdleAsync()));

    /// <summary>
    /// Completes once the nodes' pollers, together, have completed <paramref name="reminders"/> claimed ticks in the
    /// table from now on, whichever node claimed them (ask before moving the clock).
    /// </summary>
    public Task RemindersCompletedAsync(int reminders, TimeSpan? timeout = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = _nodes.Select(n => n.Services.GetRequiredService<ReminderService>()).ToList();
        var total = 0;
        void OnRound(int count)
        {
            if (Interlocked.Add(ref total, count) >= reminders && done.TrySetResult())
                foreach (var service in services) service.RoundCompleted -= OnRound;
        }
        foreach (var service in services) service.RoundCompleted += OnRound;
        return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts <paramref name="nodes"/> nodes at once (so their migrations race, as in production) on a fresh database.</summary>
    public static async Task<TestCluster> StartAsync(int nodes, Action<IServiceCollection> configureServices, TimeProvider? time = null,
        Action<GrainRuntimeOptions>? configureRuntime = null, Action<ReminderOptions>? configureReminders = null, string? connectionString = null)
    {
        var cluster = new TestCluster(connectionString ?? await TestPostgres.CreateDatabaseAsync(), time ?? TimeProvider.System,
            configureServices, configureRuntime, configureReminders);
        await Task.WhenAll(Enumerable.Range(0, nodes).Select(_ => cluster.StartNodeAsync()));
        return cluster;
    }

    public async Task<TestNode> StartNodeAsync()
    {
        var name = $"node-{Interlocked.Increment(ref _started)}";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(Time);
        builder.Services.AddGrainRuntime(ConnectionString, o =>
        {
            o.NodeId = name;
            _configureRuntime?.Invoke(o);
        }, _configureReminders);
        _configureServices(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        var node = new TestNode(name, host);
        lock (_nodes) _nodes.Add(node);
        return node;
    }

    /// <summary>Stops a node the orderly way (as at a deploy); its activations are gone, the database keeps everything.</summary>
    public async Task StopNodeAsync(TestNode node)
    {
        lock (_nodes) _nodes.Remove(node);
        await node.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.ToArray()) await node.DisposeAsync();
        _nodes.Clear();
    }
}

public sealed class TestNode(string nodeId, IHost host) : IAsyncDisposable
{
    private bool _disposed;

    public string NodeId { get; } = nodeId;

    public IServiceProvider Services => host.Services;

    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    internal GrainCatalog Catalog => host.Services.GetRequiredService<GrainCatalog>();

    /// <summary>Completes once this node's reminder poller is parked with its timer set: move a manual clock only then.</summary>
    public Task RemindersIdleAsync(TimeSpan? timeout = null) => host.Services.RemindersIdleAsync(timeout);

    /// <summary>Runs one claim-and-deliver round of this node's reminder poller now; returns how many it claimed.</summary>
    public Task<int> PollRemindersOnceAsync() => host.Services.GetRequiredService<ReminderService>().RunOnceAsync(CancellationToken.None);

    public int ActivationCount => Catalog.Count;

    /// <summary>Completes when this node's poller next finishes a round that delivered something (ask before moving the clock).</summary>
    public Task NextReminderRoundAsync(TimeSpan? timeout = null)
    {
        var service = host.Services.GetRequiredService<ReminderService>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRound(int count)
        {
            if (count > 0 && done.TrySetResult()) service.RoundCompleted -= OnRound;
        }
        service.RoundCompleted += OnRound;
        return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Completes when this node hears (through NOTIFY) that another node wrote <paramref name="grain"/>'s state.</summary>
    public Task WaitForAnnouncementAsync(GrainId grain, TimeSpan? timeout = null)
    {
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnAnnounced(GrainId id, long _)
        {
            if (id == grain) heard.TrySetResult();
        }
        Catalog.VersionAnnounced += OnAnnounced;
        return heard.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30)).ContinueWith(t =>
        {
            Catalog.VersionAnnounced -= OnAnnounced;
            return t;
        }, TaskScheduler.Default).Unwrap();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await host.StopAsync();
        host.Dispose();
    }
}
