using System.Text.Json;
using Matrix.Domain.Campaigns;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Npgsql;

namespace Matrix.Grains.Campaigns;

public static class CampaignStatus
{
    public const string Scheduled = "scheduled", Sending = "sending", Done = "done", Cancelled = "cancelled";
}

/// <param name="Team">The team whose accounts send it (null: every account).</param>
/// <param name="NextAt">The next occurrence (null: none left).</param>
/// <param name="Occurrences">Occurrences whose audience was frozen so far.</param>
public sealed record Campaign(string Id, string? Team, CampaignDefinition Definition, string Status, DateTimeOffset? NextAt, int Occurrences,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A recipient still to be placed: the customer and the account to send from.</summary>
public sealed record PendingRecipient(string CustomerId, string AccountId);

/// <summary>
/// Campaigns and their recipients (Migrations/0022). An occurrence is frozen in one transaction with the campaign's
/// row locked (a second node's tick for the same occurrence finds it frozen), and each recipient's outcome is
/// recorded once it is placed, so a node that dies mid-occurrence leaves the rest pending for whoever takes over.
/// </summary>
public sealed class CampaignStore(NpgsqlDataSource db, StoreClock clock)
{
    public async Task<Campaign> CreateAsync(CampaignDefinition definition, string? team, string by)
    {
        var now = clock.UtcNow;
        definition.Validate(now, clock.Zone);
        await using var cmd = db.CreateCommand("""
            insert into campaigns (id, name, team, segment_id, definition, status, next_at, created_by, created_at, updated_at)
            values ($1, $2, $3, $4, $5::jsonb, 'scheduled', $6, $7, $8, $8) returning id
            """);
        cmd.Parameters.Add(new() { Value = Guid.NewGuid().ToString("N")[..12] });
        cmd.Parameters.Add(new() { Value = definition.Name.Trim() });
        cmd.Parameters.Add(Text(team));
        cmd.Parameters.Add(new() { Value = definition.SegmentId });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(definition, StateSerializer.Options) });
        cmd.Parameters.Add(new() { Value = definition.Schedule.First(now, clock.Zone)!.Value.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = by });
        cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
        return (await GetAsync((string)(await cmd.ExecuteScalarAsync())!))!;
    }

    public async Task<Campaign?> GetAsync(string id) => (await ListAsync(id)).SingleOrDefault();

    /// <summary>Campaigns, newest first (one, or all).</summary>
    public async Task<IReadOnlyList<Campaign>> ListAsync(string? id = null)
    {
        await using var cmd = db.CreateCommand("""
            select id, team, definition::text, status, next_at, occurrences, created_by, created_at, updated_at
              from campaigns where $1::text is null or id = $1 order by created_at desc, id
            """);
        cmd.Parameters.Add(Text(id));
        var list = new List<Campaign>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), JsonSerializer.Deserialize<CampaignDefinition>(r.GetString(2), StateSerializer.Options)!,
                r.GetString(3), r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.GetInt32(5), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8)));
        return list;
    }

    /// <summary>Stops a campaign: no further occurrence, and its recipients not yet placed are skipped as cancelled. False when it had ended.</summary>
    public async Task<bool> CancelAsync(string id)
    {
        var now = clock.UtcNow.ToUniversalTime();
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new("update campaigns set status = 'cancelled', next_at = null, updated_at = $2 where id = $1 and status in ('scheduled', 'sending')")
                    { Parameters = { new() { Value = id }, new() { Value = now } } },
                new($"update campaign_recipients set status = 'skipped', reason = '{SkipReasons.Cancelled}', decided_at = $2 where campaign_id = $1 and status = 'pending'")
                    { Parameters = { new() { Value = id }, new() { Value = now } } },
            },
        };
        await batch.ExecuteNonQueryAsync();
        var cancelled = batch.BatchCommands[0].RecordsAffected > 0;
        await tx.CommitAsync();
        return cancelled;
    }

    /// <summary>
    /// Freezes the due occurrence's audience: the segment's members now, each on the account holding them among
    /// <paramref name="accounts"/> (null: any) with the latest interaction, or skipped when none does. Returns the
    /// occurrence and when it was due; null when none is due (not yet, frozen by another node, or the campaign ended).
    /// </summary>
    public async Task<(int Occurrence, DateTimeOffset DueAt)?> FreezeDueAsync(string id, string[]? accounts)
    {
        var now = clock.UtcNow;
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockCmd = new NpgsqlCommand("select id from campaigns where id = $1 and status = 'scheduled' and next_at <= $2 for update", connection, tx))
        {
            lockCmd.Parameters.Add(new() { Value = id });
            lockCmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
            if (await lockCmd.ExecuteScalarAsync() is null) return null;
        }
        var campaign = (await ListAsync(id)).Single(); // read after the lock: what this transaction freezes from
        var occurrence = campaign.Occurrences + 1;
        var due = campaign.NextAt!.Value;
        var next = campaign.Definition.Schedule.After(due, clock.Zone);
        await using var freeze = new NpgsqlCommand("""
            with frozen as (
                insert into campaign_recipients (campaign_id, occurrence, customer_id, account_id, status, reason, decided_at)
                select $1, $2, m.customer_id, a.account_id, case when a.account_id is null then 'skipped' else 'pending' end,
                       case when a.account_id is null then $6 end, case when a.account_id is null then $5 end
                  from segment_members m
                  left join lateral (
                      select f.account_id from account_friends f
                       where f.external_id = m.customer_id and f.removed_at is null and ($4::text[] is null or f.account_id = any($4))
                       order by greatest(f.added_at,
                                         (select max(r.at) from replies r where r.customer_id = f.external_id and r.account_id = f.account_id),
                                         (select max(t.done_at) from tasks t where t.customer_id = f.external_id and t.account_id = f.account_id and t.status = 'done')) desc,
                                f.account_id
                       limit 1) a on true
                 where m.segment_id = $3
                on conflict do nothing
                returning 1),
            occurrence as (
                insert into campaign_occurrences (campaign_id, occurrence, due_at, frozen_at, recipients)
                select $1, $2, $7, $5, count(*) from frozen)
            update campaigns set occurrences = $2, status = 'sending', next_at = $8, updated_at = $5 where id = $1
            """, connection, tx);
        foreach (var value in new object?[] { id, occurrence, campaign.Definition.SegmentId })
            freeze.Parameters.Add(new() { Value = value });
        freeze.Parameters.Add(new() { Value = (object?)accounts ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        freeze.Parameters.Add(new() { Value = now.ToUniversalTime() });
        freeze.Parameters.Add(new() { Value = SkipReasons.NoAccount });
        freeze.Parameters.Add(new() { Value = due.ToUniversalTime() });
        freeze.Parameters.Add(new() { Value = (object?)next?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        freeze.CommandTimeout = 0;
        await freeze.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        return (occurrence, due);
    }

    /// <summary>Per campaign, the recipients frozen so far and how many of them are not yet placed (a campaign with none is absent).</summary>
    public async Task<IReadOnlyDictionary<string, (int Recipients, int Pending)>> ProgressAsync(IReadOnlyCollection<string> ids)
    {
        await using var cmd = db.CreateCommand("""
            select campaign_id, count(*)::int, count(*) filter (where status = 'pending')::int from campaign_recipients where campaign_id = any($1) group by 1
            """);
        cmd.Parameters.Add(new() { Value = ids.ToArray() });
        var progress = new Dictionary<string, (int, int)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) progress[r.GetString(0)] = (r.GetInt32(1), r.GetInt32(2));
        return progress;
    }

    /// <summary>The occurrence being sent and when it was due (null: none).</summary>
    public async Task<(int Occurrence, DateTimeOffset DueAt)?> CurrentAsync(string id)
    {
        await using var cmd = db.CreateCommand("select occurrence, due_at from campaign_occurrences where campaign_id = $1 order by occurrence desc limit 1");
        cmd.Parameters.Add(new() { Value = id });
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? (r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    public async Task<IReadOnlyList<PendingRecipient>> PendingAsync(string id, int occurrence, int limit)
    {
        await using var cmd = db.CreateCommand("""
            select customer_id, account_id from campaign_recipients
             where campaign_id = $1 and occurrence = $2 and status = 'pending' order by customer_id limit $3
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = occurrence });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<PendingRecipient>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(new(r.GetString(0), r.GetString(1)));
        return list;
    }

    /// <summary>Records recipients' outcomes (only over pending rows: a cancelled campaign's stay skipped).</summary>
    public async Task RecordAsync(string id, int occurrence, IReadOnlyList<(string CustomerId, CampaignOutcome Outcome)> outcomes)
    {
        await using var cmd = db.CreateCommand("""
            update campaign_recipients r set status = o.status, reason = o.reason, task_id = o.task_id, due_at = o.due_at, decided_at = $7
              from unnest($3::text[], $4::text[], $5::text[], $6::uuid[], $8::timestamptz[]) as o(customer_id, status, reason, task_id, due_at)
             where r.campaign_id = $1 and r.occurrence = $2 and r.customer_id = o.customer_id and r.status = 'pending'
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = occurrence });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.CustomerId).ToArray() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Outcome.Status).ToArray() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Outcome.Reason).ToArray() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Outcome.TaskId).ToArray() });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Outcome.DueAt?.ToUniversalTime()).ToArray() });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>An occurrence placed in full: the campaign waits for its next one, or is done.</summary>
    public async Task FinishOccurrenceAsync(string id)
    {
        await using var cmd = db.CreateCommand("""
            update campaigns set status = case when next_at is null then 'done' else 'scheduled' end, updated_at = $2 where id = $1 and status = 'sending'
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// An occurrence's recipients by sending account: the seam for WeCom's mass-message API, which takes one
    /// account's recipients in one call (#19); today every account's recipients become tasks.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> RecipientsByAccountAsync(string id, int occurrence)
    {
        await using var cmd = db.CreateCommand("""
            select account_id, array_agg(customer_id order by customer_id) from campaign_recipients
             where campaign_id = $1 and occurrence = $2 and account_id is not null group by 1
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = occurrence });
        var map = new Dictionary<string, IReadOnlyList<string>>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) map[r.GetString(0)] = r.GetFieldValue<string[]>(1);
        return map;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };
}
