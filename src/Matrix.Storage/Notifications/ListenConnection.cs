using Npgsql;

namespace Matrix.Storage.Notifications;

/// <summary>
/// A pooled connection that LISTENs on some channels until disposed. Pooled connections are not reset when returned
/// (<see cref="Storage.DatabaseConnections"/>), so disposing first runs UNLISTEN: the next borrower must not inherit
/// the subscriptions. A broken connection is never pooled again, so a failed UNLISTEN needs nothing more.
/// </summary>
public sealed class ListenConnection : IAsyncDisposable
{
    private ListenConnection(NpgsqlConnection connection) => Connection = connection;

    public NpgsqlConnection Connection { get; }

    public static async Task<ListenConnection> OpenAsync(NpgsqlDataSource db, NotificationEventHandler onNotification, IEnumerable<string> channels,
        CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        var listening = new ListenConnection(connection);
        try
        {
            connection.Notification += onNotification;
            await using var listen = new NpgsqlCommand(string.Concat(channels.Select(c => $"listen {c};")), connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
            return listening;
        }
        catch
        {
            await listening.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for notifications (they arrive through the handler) until cancelled or the connection fails.</summary>
    public async Task WaitForeverAsync(CancellationToken cancellationToken)
    {
        while (true) await Connection.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var unlisten = new NpgsqlCommand("unlisten *", Connection);
                await unlisten.ExecuteNonQueryAsync();
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken; Npgsql discards it instead of pooling it.
        }
        await Connection.DisposeAsync();
    }
}
