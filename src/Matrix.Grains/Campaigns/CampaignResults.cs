using Matrix.Domain.Reports;
using Npgsql;

namespace Matrix.Grains.Campaigns;

/// <summary>
/// One sending account's part of a campaign (all its occurrences): recipients; messages placed (due now or later),
/// deferred by the budget, skipped; sent (the task done); replies within 72 hours of a sent message; deletions within
/// 48 hours of it; purchases attributed to the campaign (its message the last touch within 7 days before:
/// Attribution) and their amount.
/// </summary>
public sealed record CampaignAccountResult(string? AccountId, int Recipients, int Placed, int Deferred, int Skipped, int Sent, int Replied, int Lost,
    int Purchases, decimal Amount);

/// <summary>A campaign's results by account, and its skipped recipients by reason.</summary>
public sealed record CampaignResult(IReadOnlyList<CampaignAccountResult> Accounts, IReadOnlyDictionary<string, int> SkippedBy, int Pending);

public sealed class CampaignResults(NpgsqlDataSource db)
{
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromHours(72);

    /// <summary>The results over <paramref name="accounts"/>' recipients (null: all).</summary>
    public async Task<CampaignResult> OfAsync(string id, string[]? accounts)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command("""
            select r.account_id, count(*)::int, count(*) filter (where r.status in ('placed', 'deferred'))::int, count(*) filter (where r.status = 'deferred')::int,
                   count(*) filter (where r.status = 'skipped')::int, count(*) filter (where t.status = 'done')::int,
                   count(*) filter (where t.status = 'done' and exists (select 1 from replies p where p.customer_id = r.customer_id and p.account_id = r.account_id
                                                                         and p.at >= t.done_at and p.at < t.done_at + $3))::int,
                   count(*) filter (where t.status = 'done' and exists (select 1 from relationship_events e where e.kind = 'lost' and e.account_id = r.account_id
                                                                         and e.customer_id = r.customer_id and e.at >= t.done_at and e.at < t.done_at + $4))::int
              from campaign_recipients r
              left join lateral (select status, done_at from tasks where id = r.task_id
                                 union all select status, done_at from tasks_archive where id = r.task_id limit 1) t on true
             where r.campaign_id = $1 and ($2::text[] is null or r.account_id = any($2))
             group by 1
            """, id, accounts, ReplyWindow, Rates.TouchWindow));
        batch.BatchCommands.Add(Command("""
            select touch_account_id, count(*)::int, coalesce(sum(amount), 0) from purchase_orders
             where touch_origin = 'campaign:' || $1 and refunded_at is null and ($2::text[] is null or touch_account_id = any($2)) group by 1
            """, id, accounts));
        batch.BatchCommands.Add(Command("""
            select coalesce(reason, ''), count(*)::int from campaign_recipients
             where campaign_id = $1 and status = 'skipped' and ($2::text[] is null or account_id = any($2)) group by 1
            """, id, accounts));
        batch.BatchCommands.Add(Command("""
            select count(*)::int from campaign_recipients where campaign_id = $1 and status = 'pending' and ($2::text[] is null or account_id = any($2))
            """, id, accounts));
        var rows = new Dictionary<string, CampaignAccountResult>();
        await using var r = await batch.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var account = r.IsDBNull(0) ? null : r.GetString(0);
            rows[account ?? ""] = new(account, r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), 0, 0);
        }
        await r.NextResultAsync();
        while (await r.ReadAsync())
        {
            var account = r.GetString(0);
            var row = rows.GetValueOrDefault(account) ?? new(account, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            rows[account] = row with { Purchases = r.GetInt32(1), Amount = r.GetDecimal(2) };
        }
        await r.NextResultAsync();
        var skipped = new Dictionary<string, int>();
        while (await r.ReadAsync()) skipped[r.GetString(0)] = r.GetInt32(1);
        await r.NextResultAsync();
        await r.ReadAsync();
        return new([.. rows.Values.OrderBy(a => a.AccountId is null).ThenBy(a => a.AccountId, StringComparer.Ordinal)], skipped, r.GetInt32(0));
    }

    private static NpgsqlBatchCommand Command(string sql, string id, string[]? accounts, params TimeSpan[] windows)
    {
        var cmd = new NpgsqlBatchCommand(sql)
        {
            Parameters = { new() { Value = id }, new() { Value = (object?)accounts ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text } },
        };
        foreach (var window in windows) cmd.Parameters.Add(new() { Value = window });
        return cmd;
    }
}
