using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Matrix.Storage.Hosting;

/// <summary>
/// Reminders that fall due hours or months ahead, written straight to Orleans's reminder table, many grains' rows in
/// one statement.
/// </summary>
/// <remarks>
/// A node's reminder service loads only the rows due within <see cref="LoadingWindow"/> (Migrations/0002): a row
/// further ahead is read by a later refresh, whoever wrote it. Registering such a reminder through Orleans costs a
/// call to the reminder service, a statement and a commit of its own, and a local timer the next refresh drops again;
/// a plan edit re-places a million of them. Written here, they share statements and commits with the grains
/// re-armed beside them, and no timer is started. The row is the one Orleans writes (same key, hash, period in
/// milliseconds and version step), so Orleans reads, moves and removes it as its own. A reminder due sooner goes
/// through Orleans, whose service must start its timer. A timer that service already runs for the same reminder at
/// an earlier time still ticks until the next refresh drops it: the grain takes that tick as early and arms again.
/// </remarks>
public sealed class DistantReminders(NpgsqlDataSource db, IOptions<ClusterOptions> cluster)
{
    /// <summary>How far ahead the reminder service loads rows (the interval in Migrations/0002's range reads).</summary>
    public static readonly TimeSpan LoadingWindow = TimeSpan.FromHours(1);

    /// <summary>Reminders due later than this are written here: an hour past the window, so no refresh can miss one.</summary>
    public static readonly TimeSpan Beyond = LoadingWindow + TimeSpan.FromHours(1);

    private sealed record Row(string Grain, int Hash, string Name, DateTimeOffset Start, long PeriodMs)
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly ConcurrentQueue<Row> _pending = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>Sets the grain's reminder to start at <paramref name="start"/> with <paramref name="period"/>, as Orleans's upsert does.</summary>
    public Task UpsertAsync(GrainId grain, string name, DateTimeOffset start, TimeSpan period) => UpsertManyAsync([(grain, name, start)], period);

    /// <summary>Sets several grains' reminders at once (see <see cref="UpsertAsync"/>).</summary>
    public async Task UpsertManyAsync(IReadOnlyCollection<(GrainId Grain, string Name, DateTimeOffset Start)> reminders, TimeSpan period)
    {
        if (reminders.Count == 0) return;
        var rows = reminders.Select(r => new Row(r.Grain.ToString(), unchecked((int)r.Grain.GetUniformHashCode()), r.Name, r.Start, (long)period.TotalMilliseconds)).ToList();
        foreach (var row in rows) _pending.Enqueue(row);
        // One write at a time: rows queued while it runs go together in the next, so the busier the node, the
        // fuller each statement.
        await _writer.WaitAsync();
        try
        {
            if (!rows[^1].Written.Task.IsCompleted) await WritePendingAsync();
        }
        finally
        {
            _writer.Release();
        }
        await Task.WhenAll(rows.Select(r => r.Written.Task));
    }

    private async Task WritePendingAsync()
    {
        var batch = new List<Row>();
        while (_pending.TryDequeue(out var row)) batch.Add(row);
        // One row per reminder in a statement (an upsert may not touch a row twice): the last one queued wins.
        var rows = batch.GroupBy(r => (r.Grain, r.Name)).Select(g => g.Last()).ToList();
        try
        {
            await using var upsert = db.CreateCommand("""
                insert into orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version)
                select $1, g, n, s, p, h, 0 from unnest($2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::int[]) as r (g, n, s, p, h)
                on conflict (serviceid, grainid, remindername) do update
                   set starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
                       version = orleansreminderstable.version + 1
                """);
            upsert.Parameters.Add(new() { Value = cluster.Value.ServiceId });
            upsert.Parameters.Add(new() { Value = rows.Select(r => r.Grain).ToArray() });
            upsert.Parameters.Add(new() { Value = rows.Select(r => r.Name).ToArray() });
            upsert.Parameters.Add(new() { Value = rows.Select(r => r.Start.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            upsert.Parameters.Add(new() { Value = rows.Select(r => r.PeriodMs).ToArray() });
            upsert.Parameters.Add(new() { Value = rows.Select(r => r.Hash).ToArray() });
            await upsert.ExecuteNonQueryAsync();
            foreach (var row in batch) row.Written.TrySetResult();
        }
        catch (Exception e)
        {
            foreach (var row in batch) row.Written.TrySetException(e);
        }
    }
}
