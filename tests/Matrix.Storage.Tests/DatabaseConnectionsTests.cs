using Matrix.Storage.Notifications;
using Matrix.Storage;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Storage.Tests;

/// <summary>The node's connection pool: its three defaults, what the connection string overrides, and LISTEN cleaned up.</summary>
public sealed class DatabaseConnectionsTests
{
    [Fact]
    public void Pooled_connections_are_not_reset_frequent_statements_are_prepared_and_jit_is_off_unless_the_connection_string_says_otherwise()
    {
        using var defaults = DatabaseConnections.Create("Host=localhost;Username=matrix");
        var built = new NpgsqlConnectionStringBuilder(defaults.ConnectionString);
        Assert.Equal((true, DatabaseConnections.DefaultMaxAutoPrepare, "-c jit=off"), (built.NoResetOnClose, built.MaxAutoPrepare, built.Options));

        using var given = DatabaseConnections.Create("Host=localhost;Username=matrix;No Reset On Close=false;maxautoprepare=0;Options=-c work_mem=8MB");
        built = new NpgsqlConnectionStringBuilder(given.ConnectionString);
        Assert.Equal((false, 0, "-c work_mem=8MB"), (built.NoResetOnClose, built.MaxAutoPrepare, built.Options));
    }

    [Fact]
    public async Task The_server_runs_a_pooled_connections_statements_without_jit()
    {
        await using var db = DatabaseConnections.Create(await TestPostgres.CreateDatabaseAsync());
        await using var show = db.CreateCommand("show jit");
        Assert.Equal("off", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_listening_connection_unlistens_before_it_goes_back_to_the_pool()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var db = DatabaseConnections.Create(connectionString + ";Maximum Pool Size=1");
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var listening = await ListenConnection.OpenAsync(db, (_, e) => heard.TrySetResult(e.Payload), ["matrix_test"], CancellationToken.None))
        {
            await using var notify = new NpgsqlCommand("select pg_notify('matrix_test', 'hello')", listening.Connection);
            await notify.ExecuteNonQueryAsync();
            await listening.Connection.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("hello", await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // The pool holds one connection, so this is the one that listened.
        await using var next = await db.OpenConnectionAsync();
        await using var channels = new NpgsqlCommand("select count(*) from pg_listening_channels()", next);
        Assert.Equal(0L, await channels.ExecuteScalarAsync());
    }
}
