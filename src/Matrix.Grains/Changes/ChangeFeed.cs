using Matrix.Storage.Notifications;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Matrix.Grains.Changes;

/// <summary>What changed, as coarsely as the console needs it: a page showing that kind of thing reloads it.</summary>
[Flags]
public enum ChangeTopics
{
    None = 0,
    /// <summary>Friends, holds, today's adds, or an account's profile, role or status.</summary>
    Accounts = 1,
    /// <summary>A task was added, done, skipped or expired.</summary>
    Tasks = 2,
    /// <summary>A channel was made or changed, or a pool filled.</summary>
    Channels = 4,
    /// <summary>An account's profile, role, persona or status: what a live code's pool is chosen from.</summary>
    AccountProfiles = 8,
    /// <summary>A follow-up plan was made, edited, turned off or on.</summary>
    Plans = 16,
    /// <summary>A persona was made or edited.</summary>
    Personas = 32,
    /// <summary>A friend added on a day before the store's today (confirmed late): the past days' adds counted per node are stale.</summary>
    PastAdds = 64,
    All = Accounts | Tasks | Channels | AccountProfiles | Plans | Personas | PastAdds,
}

/// <summary>
/// Tells every node that something changed: open console pages update without a reload, and the node's caches (the
/// plan list, live codes' pools) read again. The one mechanism for both. A writer raises <see cref="Changed"/> on
/// its own node at once and only sets a flag for the others (no I/O on its path); this loop sends the flags that
/// piled up as one NOTIFY at most every <see cref="Coalesce"/>, after the writes committed, and the other nodes'
/// LISTEN connections raise <see cref="Changed"/> there. When a node's LISTEN connection was lost it may have missed
/// notices, so on reconnecting it raises <see cref="ChangeTopics.All"/>. Nothing depends on it for correctness:
/// caches also expire (MatrixOptions.ListCacheMaxAge), every cap is decided in SQL, and a page missing a notice shows
/// the change on its next load.
/// </summary>
public sealed partial class ChangeFeed(NpgsqlDataSource db, ILogger<ChangeFeed> logger) : BackgroundService
{
    public const string Channel = "matrix_console";
    public static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _pending = new(0, 1);
    private readonly string _node = Guid.NewGuid().ToString("N");
    private int _topics;

    /// <summary>Raised on a thread-pool thread with the topics another write (on any node) touched.</summary>
    public event Action<ChangeTopics>? Changed;

    public void Announce(ChangeTopics topics)
    {
        // Only the write that finds nothing pending wakes the loop: the loop takes every flag at once, so the
        // semaphore never holds more than one wake-up and later writers before the send cost one Interlocked.Or.
        if (topics == ChangeTopics.None) return;
        Raise(topics);
        if (Interlocked.Or(ref _topics, (int)topics) == 0) _pending.Release();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(PublishAsync(stoppingToken), ListenAsync(stoppingToken));

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _pending.WaitAsync(stoppingToken);
                await Task.Delay(Coalesce, stoppingToken);
                var topics = Interlocked.Exchange(ref _topics, 0);
                if (topics == 0) continue;
                try
                {
                    await using var cmd = db.CreateCommand($"select pg_notify('{Channel}', $1)");
                    cmd.Parameters.Add(new() { Value = $"{_node}:{topics.ToString(CultureInfo.InvariantCulture)}" });
                    await cmd.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPublishFailed(logger, ex);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    // Try again after the next pause (this node heard it already).
                    if (Interlocked.Or(ref _topics, topics) == 0) _pending.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var reconnecting = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listening = await ListenConnection.OpenAsync(db, (_, e) =>
                {
                    if (e.Payload.Split(':') is [var node, var text] && node != _node && int.TryParse(text, CultureInfo.InvariantCulture, out var topics))
                        Raise((ChangeTopics)topics);
                }, [Channel], stoppingToken);
                if (reconnecting) Raise(ChangeTopics.All);
                reconnecting = true;
                await listening.WaitForeverAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private void Raise(ChangeTopics topics)
    {
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<ChangeTopics>)handler)(topics);
            }
            catch (Exception ex)
            {
                // One page's failing handler must not keep the others from hearing.
                LogHandlerFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce console changes; will retry")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console change listener lost its connection; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "A console page failed handling a change notice")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex);
}
