using Matrix.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Hosting;

namespace Matrix.Testing;

/// <summary>
/// Several silos in one test process on one real database, joined through the ADO.NET membership table as separate
/// processes would be (each its own host, ports and connection pool). Nodes share nothing but the database and,
/// when a test gives one, the business clock.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<TestNode> _nodes = [];
    private readonly Action<ISiloBuilder> _configureSilo;
    private int _started;

    private TestCluster(string connectionString, Action<ISiloBuilder> configureSilo)
    {
        ConnectionString = connectionString;
        _configureSilo = configureSilo;
    }

    public string ConnectionString { get; }

    public IReadOnlyList<TestNode> Nodes
    {
        get
        {
            lock (_nodes) return _nodes.ToList();
        }
    }

    /// <summary>Starts <paramref name="nodes"/> silos at once (so their migrations race, as in production) on a fresh database.</summary>
    public static async Task<TestCluster> StartAsync(int nodes, Action<ISiloBuilder> configureSilo, string? connectionString = null)
    {
        var cluster = new TestCluster(connectionString ?? await TestPostgres.CreateDatabaseAsync(), configureSilo);
        await Task.WhenAll(Enumerable.Range(0, nodes).Select(_ => cluster.StartNodeAsync()));
        return cluster;
    }

    public async Task<TestNode> StartNodeAsync()
    {
        var name = $"node-{Interlocked.Increment(ref _started)}";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMatrixStorage(ConnectionString);
        builder.UseOrleans(silo =>
        {
            silo.UseMatrixPostgres(new SiloSettings { ClusterId = "test" });
            _configureSilo(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        var node = new TestNode(name, host, ConnectionString, this);
        lock (_nodes) _nodes.Add(node);
        return node;
    }

    /// <summary>Stops a node the orderly way (as at a deploy); its activations are gone, the database keeps everything.</summary>
    public async Task StopNodeAsync(TestNode node)
    {
        lock (_nodes) _nodes.Remove(node);
        await node.DisposeAsync();
    }

    /// <summary>
    /// Ends a node the way a crash does: its silo stops without telling the cluster (no goodbye in the membership
    /// table, nothing handed over), so the others must find it dead by their probes.
    /// </summary>
    public async Task KillNodeAsync(TestNode node)
    {
        lock (_nodes) _nodes.Remove(node);
        await node.KillAsync();
    }

    /// <summary>Completes once the work grains set to run at once has run, on every node.</summary>
    public Task RemindersIdleAsync() => Task.WhenAll(Nodes.Select(n => n.RemindersIdleAsync()));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        lock (_nodes) _nodes.Clear();
    }
}

public sealed class TestNode(string nodeId, IHost host, string connectionString, TestCluster cluster) : IAsyncDisposable
{
    private bool _disposed;

    public string NodeId { get; } = nodeId;

    public IServiceProvider Services => host.Services;

    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    public string ConnectionString { get; } = connectionString;

    /// <summary>The node's business clock: what its reminders and the store's day run on.</summary>
    public TimeProvider Clock => host.Services.GetRequiredKeyedService<TimeProvider>(Orleans.Reminders.ReminderTimeProviderNames.Reminders);

    /// <summary>
    /// Delivers, once, the reminders due by the node's clock, and waits until the ticks have run (a grain takes a tick
    /// in a turn of its own, on whichever node holds it); returns how many.
    /// </summary>
    public async Task<int> PollRemindersOnceAsync()
    {
        var delivered = await Reminders.DeliverOnceAsync(Grains, ConnectionString, Clock.GetUtcNow());
        await cluster.RemindersIdleAsync();
        return delivered;
    }

    /// <summary>Delivers the reminders due by the node's clock, and those the deliveries set due by then; returns how many.</summary>
    public async Task<int> DeliverDueAsync()
    {
        var total = 0;
        for (var round = 0; round < 10; round++)
        {
            var delivered = await PollRemindersOnceAsync();
            if (delivered == 0) break;
            total += delivered;
        }
        return total;
    }

    /// <summary>Completes once the work grains set to run at once on this node has run.</summary>
    public Task RemindersIdleAsync(TimeSpan? timeout = null) => host.Services.RemindersIdleAsync(timeout);

    internal async Task KillAsync()
    {
        if (_disposed) return;
        _disposed = true;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        try
        {
            await host.StopAsync(cancelled.Token);
        }
        catch (OperationCanceledException)
        {
        }
        host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await host.StopAsync();
        host.Dispose();
    }
}
