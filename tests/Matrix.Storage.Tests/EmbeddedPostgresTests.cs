using Matrix.Storage.Embedded;
using Npgsql;

namespace Matrix.Storage.Tests;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task Data_is_kept_between_runs_and_a_running_server_is_reused()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"matrix-embedded-test-{Guid.NewGuid():N}");
        var options = new EmbeddedPostgresOptions { Directory = dir, Durable = false };
        try
        {
            await using (var first = await EmbeddedPostgres.StartAsync(options))
            {
                await Execute(first.ConnectionString, "create table kept (v text); insert into kept values ('still here')");

                await using var second = await EmbeddedPostgres.StartAsync(options); // same folder while running: reused
                Assert.Equal(first.Port, second.Port);
            }

            await using (var restarted = await EmbeddedPostgres.StartAsync(options))
                Assert.Equal("still here", await Execute(restarted.ConnectionString, "select v from kept"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<object?> Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await cmd.ExecuteScalarAsync();
    }
}
