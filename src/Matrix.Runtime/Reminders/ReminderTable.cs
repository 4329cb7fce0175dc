using Npgsql;
using NpgsqlTypes;

namespace Matrix.Runtime.Reminders;

/// <summary>A reminder tick claimed by this node: deliver it, then complete it with the same claim token.</summary>
internal sealed record ClaimedReminder(GrainId Grain, string Name, DateTimeOffset Start, TimeSpan? Period, DateTimeOffset TickDueAt, int Attempts, string RowId);

/// <summary>What to do with a delivered reminder: delete it, or set its next due time.</summary>
internal readonly record struct ReminderOutcome(ClaimedReminder Reminder, DateTimeOffset? NextDueAt, int Attempts);

/// <summary>The SQL of the reminder table (see Migrations/0002_reminders.sql for why it looks as it does).</summary>
internal sealed class ReminderTable(NpgsqlDataSource db)
{
    public const string Channel = "matrix_reminders";

    public async Task UpsertAsync(GrainId grain, string name, DateTimeOffset start, TimeSpan? period, bool wakePollers)
    {
        // Re-registering clears any claim: a delivery still under way then completes nothing (its token is gone).
        const string upsert = """
            insert into grain_reminders (grain_type, grain_key, name, start_at, period_ms, next_due_at)
            values ($1, $2, $3, $4, $5, $4)
            on conflict (grain_type, grain_key, name) do update
               set start_at = excluded.start_at, period_ms = excluded.period_ms, next_due_at = excluded.next_due_at,
                   claim_token = null, claimed_by = null, lease_until = null, attempts = 0
            """;
        await using var batch = db.CreateBatch();
        var cmd = new NpgsqlBatchCommand(upsert);
        cmd.Parameters.Add(new() { Value = grain.Type });
        cmd.Parameters.Add(new() { Value = grain.Key });
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = start.ToUniversalTime() }); // Npgsql writes timestamptz from UTC values only
        cmd.Parameters.Add(new() { Value = period is { } p ? (long)p.TotalMilliseconds : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        batch.BatchCommands.Add(cmd);
        if (wakePollers) batch.BatchCommands.Add(new NpgsqlBatchCommand($"select pg_notify('{Channel}', '')"));
        await batch.ExecuteNonQueryAsync();
    }

    public async Task DeleteAsync(GrainId grain, string name)
    {
        await using var cmd = db.CreateCommand("delete from grain_reminders where grain_type = $1 and grain_key = $2 and name = $3");
        cmd.Parameters.Add(new() { Value = grain.Type });
        cmd.Parameters.Add(new() { Value = grain.Key });
        cmd.Parameters.Add(new() { Value = name });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<ReminderEntry>> ListAsync(GrainId grain)
    {
        await using var cmd = db.CreateCommand("select name, start_at, period_ms, next_due_at from grain_reminders where grain_type = $1 and grain_key = $2 order by name");
        cmd.Parameters.Add(new() { Value = grain.Type });
        cmd.Parameters.Add(new() { Value = grain.Key });
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<ReminderEntry>();
        while (await reader.ReadAsync())
            list.Add(new(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(2)), reader.GetFieldValue<DateTimeOffset>(3)));
        return list;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due reminders for <paramref name="nodeId"/> until <c>now + lease</c>.
    /// Rows leased to a node that died are claimable again once the lease has ended.
    /// </summary>
    public async Task<(Guid Token, List<ClaimedReminder> Claimed)> ClaimAsync(string nodeId, DateTimeOffset now, TimeSpan lease, int limit)
    {
        const string sql = """
            with due as (
                select ctid from grain_reminders
                 where next_due_at <= $1 and (lease_until is null or lease_until <= $1)
                 order by next_due_at
                 limit $2
                 for update skip locked)
            update grain_reminders
               set lease_until = $3, claim_token = $4, claimed_by = $5
             where ctid = any(array(select ctid from due))
            returning grain_type, grain_key, name, start_at, period_ms, next_due_at, attempts, ctid::text
            """;
        var token = Guid.NewGuid();
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = (now + lease).ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = token });
        cmd.Parameters.Add(new() { Value = nodeId });
        await using var reader = await cmd.ExecuteReaderAsync();
        var claimed = new List<ClaimedReminder>();
        while (await reader.ReadAsync())
            claimed.Add(new(new GrainId(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(4)),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6), reader.GetString(7)));
        return (token, claimed);
    }

    /// <summary>
    /// Deletes finished reminders and re-arms the others, but only rows still holding this claim token. Rows are
    /// found by the tuple id the claim returned (a TID scan, no index search); the token check makes that safe even
    /// if the tuple moved or its slot was reused since.
    /// </summary>
    public async Task CompleteAsync(Guid token, IReadOnlyList<ReminderOutcome> outcomes)
    {
        var done = outcomes.Where(o => o.NextDueAt is null).Select(o => o.Reminder.RowId).ToArray();
        var rearm = outcomes.Where(o => o.NextDueAt is not null).ToList();
        await using var batch = db.CreateBatch();
        if (done.Length > 0)
        {
            var delete = new NpgsqlBatchCommand("delete from grain_reminders where ctid = any($1::text[]::tid[]) and claim_token = $2");
            delete.Parameters.Add(new() { Value = done });
            delete.Parameters.Add(new() { Value = token });
            batch.BatchCommands.Add(delete);
        }
        foreach (var o in rearm)
        {
            var update = new NpgsqlBatchCommand("""
                update grain_reminders set next_due_at = $2, attempts = $3, claim_token = null, claimed_by = null, lease_until = null
                 where ctid = $1::tid and claim_token = $4
                """);
            update.Parameters.Add(new() { Value = o.Reminder.RowId });
            update.Parameters.Add(new() { Value = o.NextDueAt!.Value.ToUniversalTime() });
            update.Parameters.Add(new() { Value = o.Attempts });
            update.Parameters.Add(new() { Value = token });
            batch.BatchCommands.Add(update);
        }
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// When the poller must look again: the earliest due time among unclaimed rows, or the earliest end of a lease
    /// (a node that dies leaves its claimed rows to whoever wakes when the lease ends). Claimed rows are always due
    /// rows, so their lease ends are found in the short "next_due_at &lt;= now" range of the index.
    /// </summary>
    public async Task<DateTimeOffset?> NextDueAsync(DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand("""
            select least(
                (select min(next_due_at) from grain_reminders where lease_until is null),
                (select min(lease_until) from grain_reminders where next_due_at <= $1 and lease_until is not null))
            """);
        cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
        return await cmd.ExecuteScalarAsync() is DateTime dt ? new DateTimeOffset(dt, TimeSpan.Zero) : null;
    }
}
