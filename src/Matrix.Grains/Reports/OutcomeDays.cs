using Matrix.Domain.Reports;
using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>New friends of a range by account and channel, and how many ended early (<see cref="OutcomeDays"/>).</summary>
/// <param name="People">First arrivals in the matrix: a person adding a second account, or coming back, is not new.</param>
/// <param name="Old7">New friends added at least 7 days ago (retention's base); <paramref name="Ended7"/> of them lost or removed within 7 days.</param>
public sealed record AddOutcome(string AccountId, string ChannelId, int Added, int People, int LostWithin1, int LostWithin7, int LostWithin30,
    int Old7, int Ended7, int Old30, int Ended30);

/// <summary>
/// Touches of one origin on one account in a range and the deletions within 48 hours of them. Origin is a task's
/// (plan:…, channel for a welcome, rehome), <c>moments:&lt;category&gt;</c> for Moments posts (touches: the friends who
/// saw them), or '' for the losses with no touch in the 48 hours before (touches 0).
/// </summary>
public sealed record TouchOutcome(string AccountId, string Origin, long Touches, int LostWithin48h)
{
    public const string MomentsPrefix = "moments:";
    public const string Untouched = "";
}

/// <summary>
/// The outcomes of adds (lost within 1/7/30 days) and of touches (lost within 48 hours), which stop changing a fixed
/// time after the fact: each store day's are written once when final (Migrations/0018, by the snapshot job), and a
/// report reads final days from them and only the days since from the log and the tasks. One SQL per outcome serves
/// both, so a final day reads exactly as it did live.
/// </summary>
public sealed class OutcomeDays(NpgsqlDataSource db, StoreClock clock)
{
    /// <summary>An add's outcome is final when its 30 days have passed: day D from D + 31.</summary>
    public const int AddsFinalAfterDays = 31;

    /// <summary>A touch's is final when its 48 hours have passed: day D from D + 3.</summary>
    public const int TouchesFinalAfterDays = 3;

    // Parameters of every statement: $1 accounts (text[]), $2 from, $3 to (the window, timestamptz), $4 the touch
    // window (interval), $5 the store's zone, $6 now, $7 channels (text[], null: every channel).
    // account: the column to group by, or '*' for an admin's live days (every account together: a thousand accounts'
    // month of adds is read at once, and sorting them by account cost as much again as reading them).
    private static string AddsSql(string scope, string account = "account_id") => $"""
        select {account} as account_id, coalesce(channel_id, '') as channel_id,
               count(*) filter (where kind = 'added')::int as added,
               count(*) filter (where kind = 'added' and first_arrival)::int as people,
               count(*) filter (where kind = 'lost' and at - added_at <= interval '1 day')::int as lost1,
               count(*) filter (where kind = 'lost' and at - added_at <= interval '7 days')::int as lost7,
               count(*) filter (where kind = 'lost' and at - added_at <= interval '30 days')::int as lost30,
               count(*) filter (where kind = 'added' and added_at <= $6 - interval '7 days')::int as old7,
               count(*) filter (where kind in ('lost', 'removed') and added_at <= $6 - interval '7 days' and at - added_at <= interval '7 days')::int as ended7,
               count(*) filter (where kind = 'added' and added_at <= $6 - interval '30 days')::int as old30,
               count(*) filter (where kind in ('lost', 'removed') and added_at <= $6 - interval '30 days' and at - added_at <= interval '30 days')::int as ended30
          from relationship_events
         where added_at >= $2 and added_at < $3 and kind in ('added', 'lost', 'removed') and {scope}
           and ($7::text[] is null or coalesce(channel_id, '') = any($7))
         group by 1, 2
        """;

    private static string TouchesSql(string scope) => $"""
        select account_id, origin, count(*)::bigint as touches,
               count(*) filter (where exists (select 1 from relationship_events e where e.kind = 'lost' and e.account_id = t.account_id
                                                and e.customer_id = t.customer_id and e.at >= t.done_at and e.at < t.done_at + $4))::int as lost48
          from (select origin, account_id, customer_id, done_at from tasks
                 where status = 'done' and customer_id is not null and done_at >= $2 and done_at < $3 and {scope}
                union all
                select origin, account_id, customer_id, done_at from tasks_archive
                 where status = 'done' and customer_id is not null and done_at >= $2 and done_at < $3 and {scope}) t
         group by 1, 2
        union all
        -- A post's exposure: the account's friends at the end of the day before (the snapshot), or then (the ledger).
        select account_id, '{TouchOutcome.MomentsPrefix}' || coalesce(category, ''), sum(seen)::bigint, sum(lost)::int from (
            select p.account_id, p.category,
                   coalesce((select sum(d.friends) from daily_relationships d where d.account_id = p.account_id and d.day = (p.done_at at time zone $5)::date - 1),
                            (select count(*) from account_friends f where f.account_id = p.account_id and f.added_at <= p.done_at
                                and (f.removed_at is null or f.removed_at > p.done_at))) as seen,
                   (select count(*) from relationship_events e where e.account_id = p.account_id and e.kind = 'lost'
                       and e.at >= p.done_at and e.at < p.done_at + $4) as lost
              from (select category, account_id, done_at from tasks where kind = 'moments' and status = 'done' and done_at >= $2 and done_at < $3 and {scope}
                    union all
                    select category, account_id, done_at from tasks_archive where kind = 'moments' and status = 'done' and done_at >= $2 and done_at < $3 and {scope}) p) m
         group by 1, 2
        union all
        select account_id, '{TouchOutcome.Untouched}', 0, count(*)::int from relationship_events e
         where e.kind = 'lost' and e.at >= $2 and e.at < $3 and {scope}
           and not exists (select 1 from tasks t where t.customer_id = e.customer_id and t.account_id = e.account_id and t.status = 'done'
                              and t.done_at > e.at - $4 and t.done_at <= e.at)
           and not exists (select 1 from tasks_archive t where t.customer_id = e.customer_id and t.account_id = e.account_id and t.status = 'done'
                              and t.done_at > e.at - $4 and t.done_at <= e.at)
         group by 1
        """;

    /// <summary>
    /// The range's adds and their outcomes by account and channel: final days from daily_adds, the rest from the log.
    /// For every account (an admin) they come by channel only, as account <see cref="AllAccounts"/>.
    /// </summary>
    public async Task<IReadOnlyList<AddOutcome>> AddsAsync(string[]? accounts, string[]? channels, ReportRange range)
    {
        var (liveFrom, lastFinal) = await LiveFromAsync("adds", range);
        await using var cmd = db.CreateCommand($"""
            select account_id, channel_id, sum(added)::int, sum(people)::int, sum(lost1)::int, sum(lost7)::int, sum(lost30)::int,
                   sum(old7)::int, sum(ended7)::int, sum(old30)::int, sum(ended30)::int from (
                select account_id, channel_id, added, people, lost1, lost7, lost30, old7, ended7, old30, ended30 from daily_adds
                 where day between $8 and $9 and {AddsFinalScope(accounts)} and ($7::text[] is null or channel_id = any($7))
                union all
                {AddsSql(Scope(accounts), accounts is null ? $"'{AllAccounts}'" : "account_id")}) x
             group by 1, 2
            """);
        Parameters(cmd, accounts, liveFrom, clock.StartOf(range.To.AddDays(1)), channels);
        cmd.Parameters.Add(new() { Value = range.From });
        cmd.Parameters.Add(new() { Value = lastFinal });
        var rows = new List<AddOutcome>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9), r.GetInt32(10)));
        return rows;
    }

    /// <summary>
    /// The range's touches and losses by account and origin (see <see cref="TouchOutcome"/>): final days from
    /// daily_touches, the rest live. For every account (an admin), final days come as sums: account <see cref="AllAccounts"/>
    /// per origin, and origin <see cref="AllTaskOrigins"/> per account (its task touches together).
    /// </summary>
    public async Task<IReadOnlyList<TouchOutcome>> TouchesAsync(string[]? accounts, ReportRange range)
    {
        var (liveFrom, lastFinal) = await LiveFromAsync("touches", range);
        await using var cmd = db.CreateCommand($"""
            select account_id, origin, sum(touches)::bigint, sum(lost48)::int from (
                select account_id, origin, touches, lost48 from daily_touches where day between $8 and $9 and {TouchesFinalScope(accounts)}
                union all
                {TouchesSql(Scope(accounts))}) x
             group by 1, 2
            """);
        Parameters(cmd, accounts, liveFrom, clock.StartOf(range.To.AddDays(1)), null);
        cmd.Parameters.Add(new() { Value = range.From });
        cmd.Parameters.Add(new() { Value = lastFinal });
        var rows = new List<TouchOutcome>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add(new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt32(3)));
        return rows;
    }

    /// <summary>
    /// Writes each final day not yet written, oldest first, in the snapshot job's transaction (under its lock): the
    /// adds of every day from the first event's to 31 days ago, the touches of every day to 3 days ago.
    /// </summary>
    internal async Task WriteFinalAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        // Each day's rows per account, then its sums over every account ('*'), and for touches each account's over every task origin ('*').
        await WriteFinalAsync(connection, tx, "adds", AddsFinalAfterDays, """
            with written as (
                insert into daily_adds (day, account_id, channel_id, added, people, lost1, lost7, lost30, old7, ended7, old30, ended30)
                select $8, * from (
            """ + AddsSql("true") + """
                ) x returning *)
            insert into daily_adds (day, account_id, channel_id, added, people, lost1, lost7, lost30, old7, ended7, old30, ended30)
            select $8, '*', channel_id, sum(added), sum(people), sum(lost1), sum(lost7), sum(lost30), sum(old7), sum(ended7), sum(old30), sum(ended30)
              from written group by channel_id
            """, cancellationToken);
        await WriteFinalAsync(connection, tx, "touches", TouchesFinalAfterDays, $"""
            with written as (
                insert into daily_touches (day, account_id, origin, touches, lost48)
                select $8, * from (
            {TouchesSql("true")}
                ) x returning *)
            insert into daily_touches (day, account_id, origin, touches, lost48)
            select $8, '{AllAccounts}', origin, sum(touches), sum(lost48) from written group by origin
            union all
            select $8, account_id, '{AllTaskOrigins}', sum(touches), sum(lost48) from written
             where origin <> '{TouchOutcome.Untouched}' and origin not like '{TouchOutcome.MomentsPrefix}%' group by account_id
            """, cancellationToken);
    }

    /// <summary>The account of a final day's sums over every account (an admin's reads).</summary>
    public const string AllAccounts = "*";

    /// <summary>The origin of a final day's sums over an account's task touches (the report's line per account).</summary>
    public const string AllTaskOrigins = "*";

    private async Task WriteFinalAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string kind, int finalAfter, string insert, CancellationToken cancellationToken)
    {
        DateOnly? next;
        await using (var dayCmd = new NpgsqlCommand("""
            select coalesce((select max(day) + 1 from final_days where kind = $1), (select min((at at time zone $2)::date) from relationship_events))
            """, connection, tx))
        {
            dayCmd.Parameters.Add(new() { Value = kind });
            dayCmd.Parameters.Add(new() { Value = clock.Zone.Id });
            next = await dayCmd.ExecuteScalarAsync(cancellationToken) as DateOnly?;
        }
        for (var day = next; day is { } d && d <= clock.Today.AddDays(-finalAfter) && !cancellationToken.IsCancellationRequested; day = d.AddDays(1))
        {
            await using (var write = new NpgsqlCommand(insert, connection, tx))
            {
                Parameters(write, null, clock.StartOf(d), clock.StartOf(d.AddDays(1)), null);
                write.Parameters.Add(new() { Value = d });
                await write.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var mark = new NpgsqlCommand("insert into final_days (kind, day) values ($1, $2)", connection, tx);
            mark.Parameters.Add(new() { Value = kind });
            mark.Parameters.Add(new() { Value = d });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Where the live part of a range starts (after the last final day) and the last final day to read (before the range: none).</summary>
    private async Task<(DateTimeOffset LiveFrom, DateOnly LastFinal)> LiveFromAsync(string kind, ReportRange range)
    {
        await using var cmd = db.CreateCommand("select max(day) from final_days where kind = $1");
        cmd.Parameters.Add(new() { Value = kind });
        var last = await cmd.ExecuteScalarAsync() as DateOnly?;
        var lastFinal = last is { } l && l < range.To ? l : range.To;
        var liveFrom = last is { } f && f >= range.From ? clock.StartOf(f.AddDays(1)) : clock.StartOf(range.From);
        return (liveFrom, last is null ? range.From.AddDays(-1) : lastFinal);
    }

    private static string Scope(string[]? accounts) => accounts is null ? "true" : "account_id = any($1)";

    // An admin's read of final days takes the sums over every account and, for touches, each account's over every
    // task origin; a scoped read takes its accounts' own rows (never the sums).
    private static string AddsFinalScope(string[]? accounts) => accounts is null ? $"account_id = '{AllAccounts}'" : "account_id = any($1)";

    private static string TouchesFinalScope(string[]? accounts) => accounts is null
        ? $"(account_id = '{AllAccounts}' or origin = '{AllTaskOrigins}')"
        : $"account_id = any($1) and origin <> '{AllTaskOrigins}'";

    private void Parameters(NpgsqlCommand cmd, string[]? accounts, DateTimeOffset from, DateTimeOffset to, string[]? channels)
    {
        cmd.Parameters.Add(new() { Value = accounts ?? [] });
        cmd.Parameters.Add(new() { Value = from.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = to.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = Rates.TouchWindow });
        cmd.Parameters.Add(new() { Value = clock.Zone.Id });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = (object?)channels ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
    }
}
