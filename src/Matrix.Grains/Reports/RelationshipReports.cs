using Matrix.Domain.Reports;
using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>
/// The reports' reads (Migrations/0015): ended days from their snapshots, days since from the log's events no snapshot
/// took yet, each a statement on an index by account and time. Scoped by account ids (null: every account).
/// </summary>
public sealed class RelationshipReports(NpgsqlDataSource db, StoreClock clock)
{
    /// <summary>Every day of the range up to today, with the friends at the end of the day before the range.</summary>
    public async Task<(IReadOnlyDictionary<DateOnly, RelationshipDay> Days, int Before)> DaysAsync(string[]? accounts, string? channel, ReportRange range)
    {
        var days = new Dictionary<DateOnly, RelationshipDay>();
        var lastWritten = await LastSnapshotAsync();
        var unwritten = $"{(accounts is null ? "true" : "account_id = any($1)")} and ($2::text is null or coalesce(channel_id, '') = $2)";
        var written = $"{SnapshotScope(accounts)} and ($2::text is null or channel_id = $2)";

        // Ended days, from the snapshots (and the day before the range, for its count of friends).
        await using (var cmd = db.CreateCommand($"""
            select day, sum(friends)::int, sum(added)::int, sum(imported)::int, sum(moved_in)::int, sum(lost)::int, sum(removed)::int
              from daily_relationships where {written} and day between $3 and $4 group by day
            """))
        {
            Scope(cmd, accounts, channel);
            cmd.Parameters.Add(new() { Value = range.From.AddDays(-1) });
            cmd.Parameters.Add(new() { Value = range.To });
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var day = DateOnly.FromDateTime(r.GetDateTime(0));
                days[day] = new(day, r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6));
            }
        }
        // A written day with no rows had no friends in scope.
        var today = clock.Today;
        for (var day = range.From.AddDays(-1); day <= range.To && lastWritten is { } last && day <= last; day = day.AddDays(1))
            days.TryAdd(day, new(day, 0, 0, 0, 0, 0, 0));

        // Days since the last snapshot, live: events no snapshot took, on their day (a late one on the first such day, as its snapshot will have it).
        var firstLive = lastWritten?.AddDays(1) ?? DateOnly.MinValue;
        if (range.To >= firstLive && range.From.AddDays(-1) <= today)
        {
            var friends = lastWritten is { } l ? await FriendsAtAsync(accounts, channel, l) : 0;
            var live = new Dictionary<DateOnly, int[]>();
            await using (var cmd = db.CreateCommand($"""
                select (at at time zone $3)::date, kind, count(*)::int from relationship_events
                 where snapshot_day is null and {unwritten} group by 1, 2
                """))
            {
                Scope(cmd, accounts, channel);
                cmd.Parameters.Add(new() { Value = clock.Zone.Id });
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync())
                {
                    var day = DateOnly.FromDateTime(r.GetDateTime(0));
                    if (day < firstLive) day = firstLive;
                    var counts = live.TryGetValue(day, out var c) ? c : live[day] = new int[5];
                    counts[Array.IndexOf(Kinds, r.GetString(1))] += r.GetInt32(2);
                }
            }
            var start = lastWritten is null ? (live.Count == 0 ? today : live.Keys.Min()) : firstLive;
            for (var day = start; day <= today; day = day.AddDays(1))
            {
                var c = live.GetValueOrDefault(day) ?? new int[5];
                friends += c[0] + c[1] + c[2] - c[3] - c[4];
                if (day >= range.From.AddDays(-1) && day <= range.To) days[day] = new(day, friends, c[0], c[1], c[2], c[3], c[4]);
            }
        }
        return (days, days.GetValueOrDefault(range.From.AddDays(-1))?.Friends ?? 0);
    }

    /// <summary>
    /// Per account, the range's arrivals and ends and the friends at its end: ended days from the snapshots, days since
    /// from the events no snapshot took (a late one on the first day not written, as in <see cref="DaysAsync"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, RelationshipDay>> ByAccountAsync(string[]? accounts, ReportRange range)
    {
        var lastWritten = await LastSnapshotAsync();
        var firstLive = lastWritten?.AddDays(1) ?? DateOnly.MinValue;
        var rows = new Dictionary<string, RelationshipDay>();
        void Add(string account, int friends, int added, int imported, int movedIn, int lost, int removed)
        {
            var r = rows.GetValueOrDefault(account) ?? new(range.To, 0, 0, 0, 0, 0, 0);
            rows[account] = r with { Friends = r.Friends + friends, Added = r.Added + added, Imported = r.Imported + imported, MovedIn = r.MovedIn + movedIn, Lost = r.Lost + lost, Removed = r.Removed + removed };
        }
        var endSnapshot = lastWritten is { } l && l < range.To ? l : range.To;
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new($"""
            select account_id, coalesce(sum(friends) filter (where day = $4), 0)::int, coalesce(sum(added) filter (where day >= $5), 0)::int,
                   coalesce(sum(imported) filter (where day >= $5), 0)::int, coalesce(sum(moved_in) filter (where day >= $5), 0)::int,
                   coalesce(sum(lost) filter (where day >= $5), 0)::int, coalesce(sum(removed) filter (where day >= $5), 0)::int
              from daily_relationships where {(accounts is null ? "account_id <> '*'" : "account_id = any($1)")} and day between $2 and $3 group by 1
            """)
        {
            Parameters = { new() { Value = accounts ?? [] }, new() { Value = range.From < endSnapshot ? range.From : endSnapshot }, new() { Value = range.To }, new() { Value = endSnapshot }, new() { Value = range.From } },
        });
        batch.BatchCommands.Add(new($"""
            select account_id, greatest((at at time zone $2)::date, $3) as day, kind, count(*)::int from relationship_events
             where snapshot_day is null and {(accounts is null ? "true" : "account_id = any($1)")} group by 1, 2, 3
            """) { Parameters = { new() { Value = accounts ?? [] }, new() { Value = clock.Zone.Id }, new() { Value = firstLive } } });
        await using var r = await batch.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            // The sums run over the range's days; the friends are the end snapshot's (which may lie before the range).
            Add(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6));
        }
        await r.NextResultAsync();
        while (await r.ReadAsync())
        {
            var (account, day, kind, n) = (r.GetString(0), r.GetFieldValue<DateOnly>(1), r.GetString(2), r.GetInt32(3));
            if (day > range.To) continue;
            var net = kind is "lost" or "removed" ? -n : n;
            var inRange = day >= range.From;
            Add(account, net, inRange && kind == "added" ? n : 0, inRange && kind == "imported" ? n : 0, inRange && kind == "moved_in" ? n : 0,
                inRange && kind == "lost" ? n : 0, inRange && kind == "removed" ? n : 0);
        }
        return rows;
    }

    // An unscoped read of written days takes each day's sums over every account (Migrations/0021), not a row per account.
    private static string SnapshotScope(string[]? accounts) => accounts is null ? "account_id = '*'" : "account_id = any($1)";

    private static readonly string[] Kinds = ["added", "imported", "moved_in", "lost", "removed"];

    private async Task<DateOnly?> LastSnapshotAsync()
    {
        await using var cmd = db.CreateCommand("select max(day) from snapshot_days");
        return await cmd.ExecuteScalarAsync() as DateOnly?;
    }

    private async Task<int> FriendsAtAsync(string[]? accounts, string? channel, DateOnly day)
    {
        await using var cmd = db.CreateCommand($"""
            select coalesce(sum(friends), 0)::int from daily_relationships
             where {SnapshotScope(accounts)} and ($2::text is null or channel_id = $2) and day = $3
            """);
        Scope(cmd, accounts, channel);
        cmd.Parameters.Add(new() { Value = day });
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private static void Scope(NpgsqlCommand cmd, string[]? accounts, string? channel)
    {
        cmd.Parameters.Add(new() { Value = accounts ?? [] });
        cmd.Parameters.Add(new() { Value = (object?)channel ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
    }
}
