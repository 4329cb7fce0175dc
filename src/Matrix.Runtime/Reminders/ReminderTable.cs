using Npgsql;
using NpgsqlTypes;

namespace Matrix.Runtime.Reminders;

/// <summary>A reminder tick claimed by this node: deliver it, then complete it with the same claim token.</summary>
internal sealed record ClaimedReminder(GrainId Grain, string Name, DateTimeOffset Start, TimeSpan? Period, DateTimeOffset TickDueAt, int Attempts);

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
                   claim_token = null, claimed_by = null, tick_due_at = null, attempts = 0
            """;
        await using var batch = db.CreateBatch();
        var cmd = new NpgsqlBatchCommand(upsert);
        cmd.Parameters.Add(new() { Value = grain.Type });
        cmd.Parameters.Add(new() { Value = grain.Key });
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = start });
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
        await using var cmd = db.CreateCommand("select name, start_at, period_ms, coalesce(tick_due_at, next_due_at) from grain_reminders where grain_type = $1 and grain_key = $2 order by name");
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
    /// Claims up to <paramref name="limit"/> due reminders for <paramref name="nodeId"/>. A claim moves next_due_at to the
    /// end of the lease, so if this node dies the row simply becomes due again for everyone else.
    /// </summary>
    public async Task<(Guid Token, List<ClaimedReminder> Claimed)> ClaimAsync(string nodeId, DateTimeOffset now, TimeSpan lease, int limit)
    {
        const string sql = """
            with due as (
                select grain_type, grain_key, name from grain_reminders
                 where next_due_at <= $1
                 order by next_due_at
                 limit $2
                 for update skip locked)
            update grain_reminders r
               set tick_due_at = case when r.claim_token is null then r.next_due_at else r.tick_due_at end,
                   next_due_at = $3, claim_token = $4, claimed_by = $5
              from due
             where r.grain_type = due.grain_type and r.grain_key = due.grain_key and r.name = due.name
            returning r.grain_type, r.grain_key, r.name, r.start_at, r.period_ms, r.tick_due_at, r.attempts
            """;
        var token = Guid.NewGuid();
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = now + lease });
        cmd.Parameters.Add(new() { Value = token });
        cmd.Parameters.Add(new() { Value = nodeId });
        await using var reader = await cmd.ExecuteReaderAsync();
        var claimed = new List<ClaimedReminder>();
        while (await reader.ReadAsync())
            claimed.Add(new(new GrainId(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(4)),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6)));
        return (token, claimed);
    }

    /// <summary>Deletes finished reminders and re-arms the others, but only rows still holding this claim token.</summary>
    public async Task CompleteAsync(Guid token, IReadOnlyList<ReminderOutcome> outcomes)
    {
        var done = outcomes.Where(o => o.NextDueAt is null).ToList();
        var rearm = outcomes.Where(o => o.NextDueAt is not null).ToList();
        await using var batch = db.CreateBatch();
        if (done.Count > 0)
        {
            var delete = new NpgsqlBatchCommand("""
                delete from grain_reminders r using unnest($1::text[], $2::text[], $3::text[]) d(t, k, n)
                 where r.grain_type = d.t and r.grain_key = d.k and r.name = d.n and r.claim_token = $4
                """);
            AddKeys(delete, done);
            delete.Parameters.Add(new() { Value = token });
            batch.BatchCommands.Add(delete);
        }
        if (rearm.Count > 0)
        {
            var update = new NpgsqlBatchCommand("""
                update grain_reminders r
                   set next_due_at = d.due, attempts = d.attempts, claim_token = null, claimed_by = null, tick_due_at = null
                  from unnest($1::text[], $2::text[], $3::text[], $5::timestamptz[], $6::int[]) d(t, k, n, due, attempts)
                 where r.grain_type = d.t and r.grain_key = d.k and r.name = d.n and r.claim_token = $4
                """);
            AddKeys(update, rearm);
            update.Parameters.Add(new() { Value = token });
            update.Parameters.Add(new() { Value = rearm.Select(o => o.NextDueAt!.Value).ToArray() });
            update.Parameters.Add(new() { Value = rearm.Select(o => o.Attempts).ToArray() });
            batch.BatchCommands.Add(update);
        }
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync();
    }

    /// <summary>The earliest next_due_at in the table (claimed rows included: their lease end is when they come back).</summary>
    public async Task<DateTimeOffset?> NextDueAsync()
    {
        await using var cmd = db.CreateCommand("select min(next_due_at) from grain_reminders");
        return await cmd.ExecuteScalarAsync() is DateTime dt ? new DateTimeOffset(dt, TimeSpan.Zero) : null;
    }

    private static void AddKeys(NpgsqlBatchCommand cmd, List<ReminderOutcome> rows)
    {
        cmd.Parameters.Add(new() { Value = rows.Select(o => o.Reminder.Grain.Type).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(o => o.Reminder.Grain.Key).ToArray() });
        cmd.Parameters.Add(new() { Value = rows.Select(o => o.Reminder.Name).ToArray() });
    }
}
