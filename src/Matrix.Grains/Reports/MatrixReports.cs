using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>The day's work on a set of accounts, in store time; late is overdue as Today says it (<see cref="Domain.FollowUps.TaskUrgency"/>).</summary>
public sealed record TaskDay(int Open, int Late, int Done, int FollowUpsDue);

/// <summary>Friends added on one store-local day through one channel ("" for adds without a channel).</summary>
public sealed record DailyAdds(DateOnly Day, string Channel, int Friends);

/// <summary>Counts for the dashboard, read in one statement each over the accounts a viewer sees.</summary>
public sealed class MatrixReports(NpgsqlDataSource db, StoreClock clock)
{
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
    public async Task<IReadOnlyList<DailyAdds>> AddsByDayAsync(IReadOnlyCollection<string> accountIds, int days)
    {
        var (start, _) = clock.TodayUtc;
        await using var cmd = db.CreateCommand("""
            select (added_at at time zone $3)::date, coalesce(channel_id, ''), count(*)::int
              from account_friends where account_id = any($1) and added_at >= $2
             group by 1, 2 order by 1, 2
            """);
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = start.AddDays(-(days - 1)) });
        cmd.Parameters.Add(new() { Value = clock.Zone.Id });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<DailyAdds>();
        while (await r.ReadAsync()) list.Add(new(DateOnly.FromDateTime(r.GetDateTime(0)), r.GetString(1), r.GetInt32(2)));
        return list;
    }
}
