using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>The day's work on a set of accounts, in store time; late is overdue as Today says it (<see cref="Domain.FollowUps.TaskUrgency"/>).</summary>
public sealed record TaskDay(int Open, int Late, int Done, int FollowUpsDue);

/// <summary>Friends added on one store-local day through one channel ("" for adds without a channel).</summary>
public sealed record DailyAdds(DateOnly Day, string Channel, int Friends);

/// <summary>Counts for the dashboard, read in one statement each over the accounts a viewer sees.</summary>
public sealed class MatrixReports
{
    private readonly NpgsqlDataSource db;
    private readonly StoreClock clock;

    public MatrixReports(NpgsqlDataSource db, StoreClock clock, Changes.ChangeFeed changes)
    {
        (this.db, this.clock) = (db, clock);
        changes.Changed += topics =>
        {
            if (!topics.HasFlag(Changes.ChangeTopics.PastAdds)) return;
            Interlocked.Increment(ref _pastGeneration); // a count under way when the notice came is not kept
            _past = null;
        };
    }

    public async Task<TaskDay> TaskDayAsync(IReadOnlyCollection<string> accountIds)
    {
        var (start, end) = clock.TodayUtc;
        // Open and done work are counted apart, each from its partial index (Migrations/0010).
        await using var cmd = db.CreateCommand("""
            select o.open, o.late, d.done, o.followups
              from (select count(*) as open, count(*) filter (where due_at < $4) as late, count(*) filter (where kind = 'message') as followups
                      from tasks where account_id = any($1) and status = 'open' and due_at < $3) o,
                   (select count(*) as done from tasks where account_id = any($1) and status = 'done' and done_at >= $2) d
            """);
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = start });
        cmd.Parameters.Add(new() { Value = end });
        cmd.Parameters.Add(new() { Value = Domain.FollowUps.TaskUrgency.OverdueBefore(clock.UtcNow).ToUniversalTime() });
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new((int)r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2), (int)r.GetInt64(3));
    }

    /// <summary>New friends per store-local day and channel over the last <paramref name="days"/> days, today included.</summary>
    /// <remarks>
    /// A chain adds about 80,000 friends a month: counting them on every dashboard load took a quarter of a second at
    /// a million customers. Days before today do not change (an add is not undone; a deletion is a loss, counted
    /// apart), so each node counts them once per store day, per account, and filters that in memory for the viewer;
    /// only today's adds are read on each load. An add confirmed late (dated before today) drops the count on every
    /// node (<see cref="Changes.ChangeTopics.PastAdds"/>), and a count is never older than <see cref="PastAddsMaxAge"/>
    /// (the change feed is for freshness, not correctness). #17's daily snapshots are meant to replace this count.
    /// </remarks>
    public async Task<IReadOnlyList<DailyAdds>> AddsByDayAsync(IReadOnlyCollection<string> accountIds, int days)
    {
        var (start, _) = clock.TodayUtc;
        var past = await PastAddsAsync(clock.Today, start, days);
        var visible = accountIds.ToHashSet(StringComparer.Ordinal);
        var today = await CountAsync(accountIds.ToArray(), start, null);
        return [.. past.Where(a => visible.Contains(a.Account)).Concat(today)
            .GroupBy(a => (a.Day, a.Channel)).Select(g => new DailyAdds(g.Key.Day, g.Key.Channel, g.Sum(a => a.Friends)))
            .OrderBy(a => a.Day).ThenBy(a => a.Channel, StringComparer.Ordinal)];
    }

    private sealed record AccountAdds(string Account, DateOnly Day, string Channel, int Friends);

    /// <summary>The longest a node keeps its count of past days' adds.</summary>
    public static readonly TimeSpan PastAddsMaxAge = TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _pastGate = new(1, 1);
    private volatile PastCount? _past;
    private int _pastGeneration;

    private sealed record PastCount(DateOnly Today, int Days, DateTimeOffset CountedAt, IReadOnlyList<AccountAdds> Rows);

    private bool Fresh(PastCount? count, DateOnly today, int days) =>
        count is not null && count.Today == today && count.Days == days && clock.UtcNow - count.CountedAt < PastAddsMaxAge;

    private async Task<IReadOnlyList<AccountAdds>> PastAddsAsync(DateOnly today, DateTimeOffset todayStart, int days)
    {
        if (_past is { } cached && Fresh(cached, today, days)) return cached.Rows;
        await _pastGate.WaitAsync();
        try
        {
            if (_past is { } again && Fresh(again, today, days)) return again.Rows;
            var (countedAt, generation) = (clock.UtcNow, Volatile.Read(ref _pastGeneration));
            var rows = await CountAsync(null, todayStart.AddDays(-(days - 1)), todayStart);
            if (generation == Volatile.Read(ref _pastGeneration)) _past = new(today, days, countedAt, rows);
            return rows;
        }
        finally
        {
            _pastGate.Release();
        }
    }

    // New friends per account, store day and channel from `from` (to `until`, when given), from the relationship log
    // (Migrations/0015: the reports' source too), read from its index by account and time; every account when none
    // are named. Re-homed arrivals and imported relationships are not new friends.
    private async Task<IReadOnlyList<AccountAdds>> CountAsync(string[]? accountIds, DateTimeOffset from, DateTimeOffset? until)
    {
        await using var cmd = db.CreateCommand($"""
            select account_id, (at at time zone $3)::date, coalesce(channel_id, ''), count(*)::int
              from relationship_events where {(accountIds is null ? "true" : "account_id = any($1)")} and at >= $2 {(until is null ? "" : "and at < $4")} and kind = 'added'
             group by 1, 2, 3
            """);
        cmd.Parameters.Add(new() { Value = accountIds ?? [] });
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = clock.Zone.Id });
        if (until is { } u) cmd.Parameters.Add(new() { Value = u });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<AccountAdds>();
        while (await r.ReadAsync()) list.Add(new(r.GetString(0), DateOnly.FromDateTime(r.GetDateTime(1)), r.GetString(2), r.GetInt32(3)));
        return list;
    }
}
