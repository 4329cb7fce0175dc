using Matrix.Runtime.Notifications;
using Npgsql;
using NpgsqlTypes;

namespace Matrix.Runtime.Storage;

/// <summary>
/// Reads and writes grain state rows. Every write is a compare-and-swap on the version, so two activations
/// of one grain (on two nodes, or an old and a new one) can never overwrite each other silently.
/// </summary>
internal sealed class GrainStateStore(NpgsqlDataSource db, TimeProvider time, StatePublisher publisher, GrainStateChanges changes)
{
    public async Task<(string? Json, long Version)> ReadAsync(GrainId id)
    {
        await using var cmd = db.CreateCommand("select state::text, version from grain_state where grain_type = $1 and grain_key = $2");
        cmd.Parameters.Add(new() { Value = id.Type });
        cmd.Parameters.Add(new() { Value = id.Key });
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt64(1)) : (null, 0);
    }

    /// <summary>Writes the state if the stored version is still <paramref name="expectedVersion"/>; returns the new version.</summary>
    public async Task<long> WriteAsync(GrainId id, string json, long expectedVersion)
    {
        // The first write inserts; "on conflict do nothing" turns a racing first write into a conflict, not an overwrite.
        var sql = expectedVersion == 0
            ? "insert into grain_state (grain_type, grain_key, state, version, updated_at) values ($1, $2, $3, 1, $5) on conflict do nothing returning version"
            : "update grain_state set state = $3, version = version + 1, updated_at = $5 where grain_type = $1 and grain_key = $2 and version = $4 returning version";
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = id.Type });
        cmd.Parameters.Add(new() { Value = id.Key });
        cmd.Parameters.Add(new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new() { Value = expectedVersion });
        cmd.Parameters.Add(new() { Value = time.GetUtcNow() });
        if (await cmd.ExecuteScalarAsync() is not long version) throw new GrainStateConflictException(id.Type, id.Key, expectedVersion);
        publisher.Publish(new StateAnnouncement(id.Type, id.Key, version));
        changes.Written(id.Type);
        return version;
    }
}
