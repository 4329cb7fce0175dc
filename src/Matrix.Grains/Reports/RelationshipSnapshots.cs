using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>
/// Writes each store day's relationship counts once, after the day has ended (Migrations/0015): friends at the end of
/// the day, and the day's arrivals and losses, per account and channel. A day's rows are never written again, so a
/// report of last month reads the same next year, whatever is edited or deleted since.
/// </summary>
/// <remarks>
/// A day takes every logged event up to its end that no earlier day took: an event logged late (a webhook replayed a
/// week on, an import of dated adds) counts on the first day written after it arrived, and the running count of
/// friends stays equal to the ledger's. Every node runs the job; an advisory lock lets one write at a time, and a day
/// written is recorded in the same transaction (snapshot_days), so a second writer finds nothing left to do.
/// </remarks>
public sealed class RelationshipSnapshots(NpgsqlDataSource db, StoreClock clock, OutcomeDays outcomes)
{
    private const long LockKey = 0x4d5f534e4150; // "M_SNAP"

    /// <summary>Writes every ended day not yet written, oldest first; returns how many.</summary>
    public async Task<int> WriteDueAsync(CancellationToken cancellationToken = default)
    {
        var written = 0;
        while (!cancellationToken.IsCancellationRequested && await WriteNextAsync(cancellationToken)) written++;
        return written;
    }

    // One day in one transaction: false when no ended day is left (or another node is writing).
    private async Task<bool> WriteNextAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCmd = new NpgsqlCommand("select pg_try_advisory_xact_lock($1)", connection, tx))
        {
            lockCmd.Parameters.Add(new() { Value = LockKey });
            if (await lockCmd.ExecuteScalarAsync(cancellationToken) is not true) return false;
        }
        // The day after the last one written; on the first run, the day of the first event.
        DateOnly? next;
        await using (var dayCmd = new NpgsqlCommand("""
            select coalesce((select max(day) + 1 from snapshot_days), (select min((at at time zone $1)::date) from relationship_events))
            """, connection, tx))
        {
            dayCmd.Parameters.Add(new() { Value = clock.Zone.Id });
            next = await dayCmd.ExecuteScalarAsync(cancellationToken) as DateOnly?;
        }
        if (next is not { } day || day >= clock.Today) return false;

        var end = clock.StartOf(day.AddDays(1));
        await using (var write = new NpgsqlCommand("""
            with taken as (
                update relationship_events set snapshot_day = $1 where snapshot_day is null and at < $2
                returning account_id, coalesce(channel_id, '') as channel_id, kind),
            counts as (
                select account_id, channel_id,
                       count(*) filter (where kind = 'added')    as added,
                       count(*) filter (where kind = 'imported') as imported,
                       count(*) filter (where kind = 'moved_in') as moved_in,
                       count(*) filter (where kind = 'lost')     as lost,
                       count(*) filter (where kind = 'removed')  as removed
                  from taken group by account_id, channel_id),
            before as (
                select account_id, channel_id, friends from daily_relationships
                 where day = (select max(day) from snapshot_days where day < $1) and account_id <> '*'),
            written as (
                insert into daily_relationships (day, account_id, channel_id, friends, added, imported, moved_in, lost, removed)
                select $1, coalesce(c.account_id, b.account_id), coalesce(c.channel_id, b.channel_id),
                       coalesce(b.friends, 0) + coalesce(c.added + c.imported + c.moved_in - c.lost - c.removed, 0),
                       coalesce(c.added, 0), coalesce(c.imported, 0), coalesce(c.moved_in, 0), coalesce(c.lost, 0), coalesce(c.removed, 0)
                  from counts c full join before b on b.account_id = c.account_id and b.channel_id = c.channel_id
                 where coalesce(b.friends, 0) > 0 or c.account_id is not null
                returning *)
            -- The day's sums over every account, per channel (Migrations/0021): an admin's read.
            insert into daily_relationships (day, account_id, channel_id, friends, added, imported, moved_in, lost, removed)
            select $1, '*', channel_id, sum(friends), sum(added), sum(imported), sum(moved_in), sum(lost), sum(removed)
              from written group by channel_id
            """, connection, tx))
        {
            write.Parameters.Add(new() { Value = day });
            write.Parameters.Add(new() { Value = end.ToUniversalTime() });
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        // Tags have no log: only the day that just ended is counted, from the customers as they are now.
        if (day == clock.Today.AddDays(-1))
            await using (var tags = new NpgsqlCommand(TagsSql, connection, tx))
            {
                tags.Parameters.Add(new() { Value = day });
                await tags.ExecuteNonQueryAsync(cancellationToken);
            }
        // The adds and touches whose outcomes became final as this day ended (Migrations/0018).
        await outcomes.WriteFinalAsync(connection, tx, cancellationToken);
        await using (var mark = new NpgsqlCommand("insert into snapshot_days (day, written_at) values ($1, $2)", connection, tx))
        {
            mark.Parameters.Add(new() { Value = day });
            mark.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    // Each customer once, on their home account (the latest friendship still on), with their hand-given tags and that
    // friendship's channel tags; '' counts every customer (Migrations/0017, daily_tags).
    private const string TagsSql = """
        with home as (
            select distinct on (external_id) external_id, account_id, channel_tags from account_friends
             where removed_at is null order by external_id, added_at desc)
        insert into daily_tags (day, account_id, tag, customers)
        select $1, h.account_id, t.tag, count(*)
          from home h left join customer_index c on c.id = h.external_id
         cross join lateral (select '' as tag union select unnest(h.channel_tags) union select unnest(c.tags)) t
         group by h.account_id, t.tag
        """;
}

/// <summary>Writes the ended days' snapshots every few minutes on every node (one writes; see <see cref="RelationshipSnapshots"/>).</summary>
internal sealed class SnapshotSchedule(RelationshipSnapshots snapshots, StoreClock clock, ILogger<SnapshotSchedule> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Retrying.EveryAsync(Interval, clock.Time, _ => snapshots.WriteDueAsync(stoppingToken), logger, "Writing the ended days' relationship snapshots", stoppingToken);
}
