using Matrix.Storage.Embedded;
using Npgsql;

namespace Matrix.Testing;

/// <summary>
/// One private PostgreSQL per test process (started on first use, stopped and deleted at exit), and a fresh
/// database for every test class that asks, so classes can run in parallel without seeing each other's rows.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<EmbeddedPostgres>> Server = new(StartAsync);

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"matrix-test-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
        {
            Directory = dir, Durable = false, DeleteOnStop = true, Database = "postgres",
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        WatchOver(dir);
        return server;
    }

    /// <summary>
    /// The test host is sometimes ended without its exit handlers running; a small watcher process then stops the
    /// server (immediate shutdown) and deletes its folder, so no test run leaves a PostgreSQL behind.
    /// </summary>
    private static void WatchOver(string dir)
    {
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 2; done; " +
                     $"[ -f '{dir}/pgdata/postmaster.pid' ] && kill -QUIT \"$(head -1 '{dir}/pgdata/postmaster.pid')\" 2>/dev/null; sleep 1; rm -rf '{dir}'";
        var watcher = new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", script])
        {
            RedirectStandardInput = false, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        System.Diagnostics.Process.Start(watcher);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var server = await Server.Value;
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
    }
}
