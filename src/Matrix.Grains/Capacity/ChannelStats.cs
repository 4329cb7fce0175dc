using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Matrix.Grains.Capacity;

/// <summary>
/// Scans per channel. Every scan of a popular code would otherwise write the same row; each node counts in memory
/// and adds its counts to channel_stats every few seconds (a crash loses at most those seconds of a statistic), and
/// to the scan's store day in daily_scans (the channel report's days).
/// </summary>
public sealed class ChannelStats(NpgsqlDataSource db, StoreClock clock, ILogger<ChannelStats> logger) : BackgroundService
{
    private ConcurrentDictionary<(string Channel, DateOnly Day), Counter> _pending = new();

    public void Count(string channelId, bool full, DateTimeOffset at)
    {
        var c = _pending.GetOrAdd((channelId, clock.DayOf(at)), _ => new Counter());
        Interlocked.Increment(ref c.Scans);
        if (full)
        {
            Interlocked.Increment(ref c.Full);
            c.LastFullAt = at;
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<(string, DateOnly), Counter>());
        if (batch.IsEmpty) return;
        try
        {
            await WriteAsync(batch, cancellationToken);
        }
        catch
        {
            // Not lost: the counts go back into the next flush.
            foreach (var (key, counts) in batch)
            {
                var c = _pending.GetOrAdd(key, _ => new Counter());
                Interlocked.Add(ref c.Scans, counts.Scans);
                Interlocked.Add(ref c.Full, counts.Full);
                if (counts.LastFullAt is { } at && (c.LastFullAt is null || at > c.LastFullAt)) c.LastFullAt = at;
            }
            throw;
        }
    }

    // Both tables in one statement: the totals and the days never disagree.
    private async Task WriteAsync(ConcurrentDictionary<(string Channel, DateOnly Day), Counter> batch, CancellationToken cancellationToken)
    {
        await using var cmd = db.CreateCommand("""
            with counted as (select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::date[]) as c(channel_id, scans, full_scans, last_full_at, day)),
            days as (
                insert into daily_scans (channel_id, day, scans, full_scans) select channel_id, day, scans, full_scans from counted
                on conflict (channel_id, day) do update set scans = daily_scans.scans + excluded.scans, full_scans = daily_scans.full_scans + excluded.full_scans)
            insert into channel_stats (channel_id, scans, full_scans, last_full_at)
            select channel_id, sum(scans), sum(full_scans), max(last_full_at) from counted group by channel_id
            on conflict (channel_id) do update
               set scans = channel_stats.scans + excluded.scans, full_scans = channel_stats.full_scans + excluded.full_scans,
                   last_full_at = greatest(channel_stats.last_full_at, excluded.last_full_at)
            """);
        var rows = batch.ToArray();
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Key.Channel).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Value.Scans).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Value.Full).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Value.LastFullAt is { } t ? (object)t : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = rows.Select(r => r.Key.Day).ToArray() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Retrying.EveryAsync(TimeSpan.FromSeconds(5), TimeProvider.System, FlushAsync, logger, "Flushing channel statistics", stoppingToken);
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Stopping with the database away: the last seconds of a statistic are what a crash would lose too.
        }
    }

    private sealed class Counter
    {
        public long Scans;
        public long Full;
        public DateTimeOffset? LastFullAt;
    }
}
