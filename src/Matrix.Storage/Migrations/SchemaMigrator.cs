using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

using Matrix.Storage;

namespace Matrix.Storage.Migrations;

/// <summary>An assembly whose embedded Migrations/*.sql files belong to the schema, applied in file-name order.</summary>
public sealed record MigrationSource(Assembly Assembly, int Order);

/// <summary>
/// Applies the embedded SQL files not yet recorded in schema_migrations, in one transaction under an advisory lock:
/// nodes starting together queue on the lock, and the second finds nothing left to do.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource db, IEnumerable<MigrationSource> sources, ILogger<SchemaMigrator> logger) : IHostedService
{
    // Any fixed number works; it only has to be the same on every node.
    private const long LockKey = 0x4D41_5452_4958; // "MATRIX"

    public async Task StartAsync(CancellationToken cancellationToken) => await MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, $"select pg_advisory_xact_lock({LockKey})", cancellationToken);
        await Execute(connection, "create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())", cancellationToken);

        var applied = new HashSet<string>();
        await using (var read = new NpgsqlCommand("select id from schema_migrations", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetString(0));

        foreach (var (id, sql) in Scripts().Where(s => !applied.Contains(s.Id)))
        {
            await Execute(connection, sql, cancellationToken);
            await using var record = new NpgsqlCommand("insert into schema_migrations (id) values ($1)", connection);
            record.Parameters.Add(new() { Value = id });
            await record.ExecuteNonQueryAsync(cancellationToken);
            Log.MigrationApplied(logger, id);
        }
        await tx.CommitAsync(cancellationToken);
    }

    private IEnumerable<(string Id, string Sql)> Scripts() =>
        from source in sources.DistinctBy(s => s.Assembly).OrderBy(s => s.Order)
        let prefix = source.Assembly.GetName().Name + ".Migrations."
        from resource in source.Assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
        select ($"{source.Assembly.GetName().Name}/{resource[prefix.Length..]}", ReadResource(source.Assembly, resource));

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        // No time limit: a migration over a chain's million rows (a backfill, an index) takes minutes, and a timeout
        // would roll it back only to run it again at the next start. The advisory lock keeps other nodes waiting.
        await using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
