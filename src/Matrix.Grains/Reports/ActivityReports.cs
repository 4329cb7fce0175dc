using Matrix.Domain.Reports;
using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>One account's work and results in a range.</summary>
/// <param name="FollowUpsDue">Follow-up tasks due in the range; of them done, skipped, and missed (expired or still open).</param>
/// <param name="Purchases">Purchases attributed to the account's touches (Attribution), not refunded, and their amount.</param>
public sealed record AccountActivity(string AccountId, int FollowUpsDue, int FollowUpsDone, int FollowUpsSkipped, int Replies, int RepliedCustomers,
    int Purchases, decimal Amount);

/// <summary>Customers who first bought in a month, and how many bought again within 30, 60 and 90 days of that first order.</summary>
public sealed record RepurchaseCohort(DateOnly Month, int Customers, int Within30, int Within60, int Within90);

/// <summary>Buyers in a range: those with at least two orders in it, orders and amount.</summary>
public sealed record RepurchaseTotals(int Buyers, int RepeatBuyers, int Orders, decimal Amount);

/// <summary>Customers with a tag, on a day's count; Tag '' is every customer counted.</summary>
public sealed record TagCount(string Tag, int Customers);

/// <summary>
/// The reads of the channel, account, repurchase and tag reports from the facts Migrations/0017 keeps (purchases,
/// replies, daily scans, daily tags); adds' and touches' outcomes are <see cref="OutcomeDays"/>'. Each statement reads
/// an index by time or by account and time; scoped by account ids (null: every account).
/// </summary>
public sealed class ActivityReports(NpgsqlDataSource db, StoreClock clock)
{
    /// <summary>Scans and scans that found the pool full per channel in the range (null: every channel).</summary>
    public async Task<IReadOnlyDictionary<string, (long Scans, long Full)>> ScansAsync(string[]? channels, ReportRange range)
    {
        await using var cmd = db.CreateCommand("""
            select channel_id, sum(scans)::bigint, sum(full_scans)::bigint from daily_scans
             where ($1::text[] is null or channel_id = any($1)) and day between $2 and $3 group by 1
            """);
        cmd.Parameters.Add(Texts(channels));
        cmd.Parameters.Add(new() { Value = range.From });
        cmd.Parameters.Add(new() { Value = range.To });
        var scans = new Dictionary<string, (long, long)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) scans[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2));
        return scans;
    }

    public async Task<IReadOnlyList<AccountActivity>> AccountsAsync(string[]? accounts, ReportRange range)
    {
        var (from, to) = Instants(range);
        var rows = new Dictionary<string, AccountActivity>();
        AccountActivity Row(string id) => rows.GetValueOrDefault(id) ?? new(id, 0, 0, 0, 0, 0, 0, 0);
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command($"""
            select account_id, count(*)::int, count(*) filter (where status = 'done')::int, count(*) filter (where status = 'skipped')::int from (
                select account_id, status from tasks where origin like 'plan:%' and due_at >= $2 and due_at < $3 and {AccountScope(accounts)}
                union all
                select account_id, status from tasks_archive where origin like 'plan:%' and due_at >= $2 and due_at < $3 and {AccountScope(accounts)}) t
             group by 1
            """, accounts, from, to));
        batch.BatchCommands.Add(Command($"""
            select account_id, count(*)::int, count(distinct customer_id)::int from replies where at >= $2 and at < $3 and {AccountScope(accounts)} group by 1
            """, accounts, from, to));
        batch.BatchCommands.Add(Command($"""
            select touch_account_id, count(*)::int, coalesce(sum(amount), 0) from purchase_orders
             where touch_account_id is not null and at >= $2 and at < $3 and refunded_at is null and {AccountScope(accounts, "touch_account_id")} group by 1
            """, accounts, from, to));
        await using var r = await batch.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows[r.GetString(0)] = Row(r.GetString(0)) with { FollowUpsDue = r.GetInt32(1), FollowUpsDone = r.GetInt32(2), FollowUpsSkipped = r.GetInt32(3) };
        await r.NextResultAsync();
        while (await r.ReadAsync()) rows[r.GetString(0)] = Row(r.GetString(0)) with { Replies = r.GetInt32(1), RepliedCustomers = r.GetInt32(2) };
        await r.NextResultAsync();
        while (await r.ReadAsync()) rows[r.GetString(0)] = Row(r.GetString(0)) with { Purchases = r.GetInt32(1), Amount = r.GetDecimal(2) };
        return [.. rows.Values];
    }

    /// <summary>
    /// Buyers in the range and the first-order cohorts of its months (a purchase counts for its account: Migrations/0017;
    /// each order's previous and next order of its customer: Migrations/0020).
    /// </summary>
    public async Task<(RepurchaseTotals Totals, IReadOnlyList<RepurchaseCohort> Cohorts)> RepurchaseAsync(string[]? accounts, ReportRange range)
    {
        var (from, to) = Instants(range);
        await using var batch = db.CreateBatch();
        // Over every account a buyer's orders are all counted, so their first in the range is the one whose previous
        // order came before it, and they bought again if that one's next is in the range too: one pass, no grouping.
        // Scoped, only the scope's orders count (the previous one may be another team's), so they are grouped.
        batch.BatchCommands.Add(Command(accounts is null ? """
            select count(*) filter (where prev_at is null or prev_at < $2)::int,
                   count(*) filter (where (prev_at is null or prev_at < $2) and next_at < $3)::int, count(*)::int, coalesce(sum(amount), 0)
              from purchase_orders where at >= $2 and at < $3 and refunded_at is null
            """ : $"""
            select count(*)::int, count(*) filter (where orders >= 2)::int, coalesce(sum(orders), 0)::int, coalesce(sum(amount), 0) from (
                select customer_id, count(*) as orders, sum(amount) as amount from purchase_orders
                 where at >= $2 and at < $3 and refunded_at is null and {AccountScope(accounts)} group by customer_id) b
            """, accounts, from, to));
        // A cohort is the customers whose first order (of any store) fell in the month; the next order may be anywhere.
        var cohorts = Command($"""
            select date_trunc('month', at at time zone $4)::date, count(*)::int,
                   count(*) filter (where next_at <= at + interval '30 days')::int,
                   count(*) filter (where next_at <= at + interval '60 days')::int,
                   count(*) filter (where next_at <= at + interval '90 days')::int
              from purchase_orders
             where prev_at is null and at >= $2 and at < $3 and refunded_at is null and {AccountScope(accounts)}
             group by 1 order by 1
            """, accounts, from, to);
        cohorts.Parameters.Add(new() { Value = clock.Zone.Id });
        batch.BatchCommands.Add(cohorts);
        await using var r = await batch.ExecuteReaderAsync();
        await r.ReadAsync();
        var totals = new RepurchaseTotals(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetDecimal(3));
        await r.NextResultAsync();
        var rows = new List<RepurchaseCohort>();
        while (await r.ReadAsync()) rows.Add(new(r.GetFieldValue<DateOnly>(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)));
        return (totals, rows);
    }

    /// <summary>Customers per tag on the last day counted up to the range's end (null: no day counted yet).</summary>
    public async Task<(DateOnly? Day, IReadOnlyList<TagCount> Tags)> TagsAsync(string[]? accounts, ReportRange range)
    {
        await using var cmd = db.CreateCommand($"""
            with counted as (select max(day) as day from daily_tags where day <= $2)
            select (select day from counted), tag, sum(customers)::int from daily_tags
             where day = (select day from counted) and {AccountScope(accounts)} group by tag order by 3 desc, 2
            """);
        cmd.Parameters.Add(new() { Value = accounts ?? [] });
        cmd.Parameters.Add(new() { Value = range.To });
        DateOnly? day = null;
        var tags = new List<TagCount>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            day = r.GetFieldValue<DateOnly>(0);
            tags.Add(new(r.GetString(1), r.GetInt32(2)));
        }
        if (day is null)
        {
            await using var latest = db.CreateCommand("select max(day) from daily_tags where day <= $1");
            latest.Parameters.Add(new() { Value = range.To });
            day = await latest.ExecuteScalarAsync() as DateOnly?;
        }
        return (day, tags);
    }

    private (DateTimeOffset From, DateTimeOffset To) Instants(ReportRange range) =>
        (clock.StartOf(range.From).ToUniversalTime(), clock.StartOf(range.To.AddDays(1)).ToUniversalTime());

    private static string AccountScope(string[]? accounts, string column = "account_id") => accounts is null ? "true" : $"{column} = any($1)";

    private static NpgsqlParameter Texts(string[]? values) =>
        new() { Value = (object?)values ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text };

    private static NpgsqlBatchCommand Command(string sql, string[]? accounts, DateTimeOffset from, DateTimeOffset to) => new(sql)
    {
        Parameters = { new() { Value = accounts ?? [] }, new() { Value = from }, new() { Value = to } },
    };
}
