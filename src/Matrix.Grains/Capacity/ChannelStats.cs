using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Matrix.Grains.Capacity;

/// <summary>
/// Scans per channel. Every scan of a popular code would otherwise write the same row; each node counts in memory
/// and adds its counts to channel_stats every few seconds (a crash loses at most those seconds of a statistic).
/// </summary>
public sealed class ChannelStats(NpgsqlDataSource db) : BackgroundService
{
    private ConcurrentDictionary<string, Counter> _pending = new();

    public void Count(string channelId, bool full, DateTimeOffset at)
    {
        var c = _pending.GetOrAdd(channelId, _ => new Counter());
        Interlocked.Increment(ref c.Scans);
        if (full)
        {
            Interlocked.Increment(ref c.Full);
            c.LastFullAt = at;
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, Counter>());
        if (batch.IsEmpty) return;
        await using var cmd = db.CreateCommand("""
            insert into channel_stats (channel_id, scans, full_scans, last_full_at)
            select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[])
            on conflict (channel_id) do update
               set scans = channel_stats.scans + excluded.scans, full_scans = channel_stats.full_scans + excluded.full_scans,
                   last_full_at = greatest(channel_stats.last_full_at, excluded.last_full_at)
            """);
        var rows = batch.ToArray();
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Key).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Value.Scans).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Value.Full).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Value.LastFullAt is { } t ? (object)t : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await FlushAsync(CancellationToken.None);
    }

    private sealed class Counter
    {
        public long Scans;
        public long Full;
        public DateTimeOffset? LastFullAt;
    }
}
