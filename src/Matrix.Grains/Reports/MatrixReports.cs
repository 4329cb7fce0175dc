using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>The day's work on a set of accounts, in store time.</summary>
public sealed record TaskDay(int Open, int Late, int Done, int FollowUpsDue);

/// <summary>Friends added on one store-local day through one channel ("" for adds without a channel).</summary>
public sealed record DailyAdds(DateOnly Day, string Channel, int Friends);

/// <summary>Counts for the dashboard, read in one statement each over the accounts a viewer sees.</summary>
public sealed class MatrixReports(NpgsqlDataSource db, StoreClock clock)
{
    public async Task<TaskDay> TaskDayAsync(IReadOnlyCollection<string> accountIds)
    {
        var (start, end) = Today();
        await using var cmd = db.CreateCommand("""
            select count(*) filter (where status = 'open' and due_at < $3),
                   count(*) filter (where status = 'open' and due_at < $4),
                   count(*) filter (where status = 'done' and done_at >= $2),
                   count(*) filter (where status = 'open' and due_at < $3 and kind = 'message')
              from tasks where account_id = any($1) and (status = 'open' or done_at >= $2)
            """);
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = start });
        cmd.Parameters.Add(new() { Value = end });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new((int)r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2), (int)r.GetInt64(3));
    }

    /// <summary>New friends per store-local day and channel over the last <paramref name="days"/> days, today included.</summary>
    public async Task<IReadOnlyList<DailyAdds>> AddsByDayAsync(IReadOnlyCollection<string> accountIds, int days)
    {
        var (start, _) = Today();
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

    private (DateTimeOffset Start, DateTimeOffset End) Today()
    {
        var midnight = clock.LocalNow.Date;
        return (new DateTimeOffset(midnight, clock.Zone.GetUtcOffset(midnight)).ToUniversalTime(),
            new DateTimeOffset(midnight.AddDays(1), clock.Zone.GetUtcOffset(midnight.AddDays(1))).ToUniversalTime());
    }
}

/// <summary>A customer found by a search, with where and when they arrived.</summary>
public sealed record CustomerHit(string Id, string? DisplayName, string? Phone, DateTimeOffset FirstAddedAt, string? Channel);

/// <summary>Customer search: by WeChat ID, or anything in the profile (name, remark, phone, attributes, tags), over some accounts.</summary>
public sealed class CustomerSearch(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<CustomerHit>> FindAsync(IReadOnlyCollection<string> accountIds, string text, int limit = 50)
    {
        await using var cmd = db.CreateCommand("""
            select f.external_id, s.state->'profile'->>'displayName', s.state->'profile'->>'phone', min(f.added_at),
                   (array_agg(f.channel_id order by f.added_at))[1]
              from account_friends f
              left join grain_state s on s.grain_type = 'customer' and s.grain_key = f.external_id
             where f.account_id = any($1)
               and ($2 = '' or f.external_id ilike $3 or s.state::text ilike $3 or array_to_string(f.channel_tags, ' ') ilike $3)
             group by f.external_id, s.state
             order by min(f.added_at) desc
             limit $4
            """);
        // The text is matched literally: % and _ typed by a person are not wildcards.
        var pattern = "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = text.Trim() });
        cmd.Parameters.Add(new() { Value = pattern });
        cmd.Parameters.Add(new() { Value = limit });
        await using var r = await cmd.ExecuteReaderAsync();
        var hits = new List<CustomerHit>();
        while (await r.ReadAsync())
            hits.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.IsDBNull(4) ? null : r.GetString(4)));
        return hits;
    }
}
