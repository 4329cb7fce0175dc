using Matrix.Domain.FollowUps;
using Npgsql;

namespace Matrix.Grains.Tasks;

/// <summary>A piece of work for the person holding an account's phone.</summary>
public sealed record WorkTask(Guid Id, string AccountId, string? CustomerId, string Kind, string Body, DateTimeOffset DueAt, string Origin,
    string Status, string? TargetAccountId, Guid? Reservation, DateTimeOffset? DoneAt, string? DoneBy)
{
    /// <summary>A Moments post's category (its copies' churn per touch is reported by category).</summary>
    public string? Category { get; init; }
}

/// <summary>The last thing a person did for a customer before they left.</summary>
public sealed record LastTouch(string Kind, string Body, DateTimeOffset DoneAt);

/// <summary>A customer who deleted us (the churn signal).</summary>
public sealed record Loss(string AccountId, string CustomerId, DateTimeOffset At, LastTouch? AfterTouch);

/// <summary>The SQL of the task queue (the tasks table is described in Migrations/0001_accounts.sql).</summary>
public sealed partial class TaskStore(NpgsqlDataSource db, Changes.ChangeFeed changes)
{
    private const string Columns = "id, account_id, customer_id, kind, body, due_at, origin, status, target_account_id, reservation, done_at, done_by";

    /// <summary>Adds the task unless one with its id exists (ids derived from what caused a task make creation idempotent).</summary>
    public async Task<bool> AddAsync(WorkTask task, DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand($"insert into tasks ({Columns}, created_at, category) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) on conflict (id) do nothing");
        foreach (var value in new object?[] { task.Id, task.AccountId, task.CustomerId, task.Kind, task.Body, task.DueAt, task.Origin, task.Status, task.TargetAccountId, task.Reservation, task.DoneAt, task.DoneBy, now, task.Category })
            cmd.Parameters.Add(Parameter(value));
        return Announce(await cmd.ExecuteNonQueryAsync()) == 1;
    }

    /// <summary>A positional parameter: null untyped, times in UTC (due times are placed in store time; timestamptz wants UTC).</summary>
    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown },
        DateTimeOffset t => new NpgsqlParameter { Value = t.ToUniversalTime() },
        _ => new NpgsqlParameter { Value = value },
    };

    /// <summary>A customer's follow-up tasks placed ahead and not yet due: id, plan and due time.</summary>
    public async Task<List<(Guid Id, string PlanId, DateTimeOffset DueAt)>> StagedAsync(string customerId, DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand("select id, substr(origin, 6), due_at from tasks where customer_id = $1 and status = 'open' and origin like 'plan:%' and due_at > $2");
        cmd.Parameters.Add(new() { Value = customerId });
        cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
        await using var r = await cmd.ExecuteReaderAsync();
        var staged = new List<(Guid, string, DateTimeOffset)>();
        while (await r.ReadAsync()) staged.Add((r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)));
        return staged;
    }

    /// <summary>
    /// Takes back a follow-up placed ahead whose plan ended before it was due. The row goes (it was never anyone's
    /// work): a deleted row also lets the same touch be placed again if the plan starts over, which a kept row, by
    /// its id, would not. False when it was due, done or gone already.
    /// </summary>
    public async Task<bool> WithdrawAsync(Guid id, DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand("delete from tasks where id = $1 and status = 'open' and due_at > $2");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
        return Announce(await cmd.ExecuteNonQueryAsync()) == 1;
    }

    /// <summary>Marks open tasks due before <paramref name="dueBefore"/> expired (not those holding a slot); returns how many.</summary>
    public async Task<int> ExpireAsync(DateTimeOffset dueBefore)
    {
        await using var cmd = db.CreateCommand("update tasks set status = 'expired' where status = 'open' and due_at < $1 and reservation is null");
        cmd.Parameters.Add(new() { Value = dueBefore.ToUniversalTime() });
        return Announce(await cmd.ExecuteNonQueryAsync());
    }

    /// <summary>The open welcome task of a friend just added (to close it once WeCom sent the welcome itself).</summary>
    public async Task<Guid?> OpenWelcomeAsync(string accountId, string customerId)
    {
        await using var cmd = db.CreateCommand("select id from tasks where account_id = $1 and customer_id = $2 and kind = 'welcome' and status = 'open' order by due_at desc limit 1");
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = customerId });
        return await cmd.ExecuteScalarAsync() is Guid id ? id : null;
    }

    public async Task<WorkTask?> GetAsync(Guid id) => (await QueryAsync($"select {Columns} from tasks where id = $1", id)).FirstOrDefault();

    public Task<List<WorkTask>> OpenForAccountAsync(string accountId) =>
        QueryAsync($"select {Columns} from tasks where account_id = $1 and status = 'open' order by due_at, planned_at nulls first, id", accountId);

    /// <summary>Every task with this origin (a post's copies on each sibling, say).</summary>
    public Task<List<WorkTask>> ByOriginAsync(string origin) =>
        QueryAsync($"select {Columns} from tasks where origin = $1 order by account_id", origin);

    /// <summary>Every task for a customer, on any account, archived ones included: the customer's timeline shows them.</summary>
    public Task<List<WorkTask>> ForCustomerAsync(string customerId) =>
        QueryAsync($"select {Columns} from tasks where customer_id = $1 union all select {Columns} from tasks_archive where customer_id = $1 order by due_at, id", customerId);

    /// <summary>
    /// Moves closed tasks (done, skipped, expired) that closed before <paramref name="closedBefore"/> to the archive,
    /// a batch of <paramref name="batch"/> per statement and a few batches per call (a sweep never runs long);
    /// returns how many moved. Copy and delete are one statement, so a task is never in both tables or neither.
    /// </summary>
    public async Task<int> ArchiveAsync(DateTimeOffset closedBefore, int batch = 10_000, int batches = 5)
    {
        var moved = 0;
        for (var i = 0; i < batches; i++)
        {
            await using var cmd = db.CreateCommand("""
                with moved as (delete from tasks where id in (select id from tasks where status <> 'open' and coalesce(done_at, due_at) < $1 limit $2) returning *)
                insert into tasks_archive select * from moved
                """);
            cmd.Parameters.Add(new() { Value = closedBefore.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = batch });
            var n = await cmd.ExecuteNonQueryAsync();
            moved += n;
            if (n < batch) break;
        }
        return moved;
    }

    /// <summary>Open tasks of the accounts due before <paramref name="until"/> (the end of the store's today), oldest first.</summary>
    public Task<List<WorkTask>> DueAsync(IReadOnlyCollection<string> accountIds, DateTimeOffset until) =>
        QueryAsync($"select {Columns} from tasks where account_id = any($1) and status = 'open' and due_at < $2 order by due_at, planned_at nulls first, id",
            accountIds.ToArray(), until.ToUniversalTime());

    /// <summary>
    /// Open tasks due before <paramref name="until"/> per account, split at <paramref name="overdueBefore"/> and
    /// <paramref name="now"/> (overdue, due now, later): Today's account list, counted without reading the tasks.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (int Overdue, int DueNow, int Later)>> LoadsAsync(IReadOnlyCollection<string> accountIds,
        DateTimeOffset overdueBefore, DateTimeOffset now, DateTimeOffset until)
    {
        await using var cmd = db.CreateCommand("""
            select account_id, count(*) filter (where due_at < $2), count(*) filter (where due_at >= $2 and due_at <= $3), count(*) filter (where due_at > $3)
              from tasks where account_id = any($1) and status = 'open' and due_at < $4
             group by account_id
            """);
        foreach (var value in new object[] { accountIds.ToArray(), overdueBefore.ToUniversalTime(), now.ToUniversalTime(), until.ToUniversalTime() })
            cmd.Parameters.Add(new() { Value = value });
        var loads = new Dictionary<string, (int, int, int)>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) loads[r.GetString(0)] = ((int)r.GetInt64(1), (int)r.GetInt64(2), (int)r.GetInt64(3));
        return loads;
    }

    /// <summary>Skips an open task with the person's reason; false when it was not open.</summary>
    public async Task<bool> SkipAsync(Guid id, string reason, string by, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("update tasks set status = 'skipped', skip_reason = $4, done_at = $2, done_by = $3 where id = $1 and status = 'open'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = by });
        cmd.Parameters.Add(new() { Value = reason });
        return Announce(await cmd.ExecuteNonQueryAsync()) == 1;
    }

    /// <summary>
    /// Customers who deleted us, newest first: from which account, when, and the last task done for them there
    /// before they left (the touch that may have cost us the customer).
    /// </summary>
    /// <summary>
    /// Customers who deleted us on the given accounts, newest first, a page at a time: up to <paramref name="limit"/>
    /// losses older than <paramref name="before"/> (the last one of the previous page), each with the last touch before it.
    /// </summary>
    public async Task<List<Loss>> LossesAsync(IReadOnlyCollection<string> accountIds, int limit, Loss? before = null)
    {
        await using var cmd = db.CreateCommand($"""
            select f.account_id, f.external_id, f.removed_at, t.kind, t.body, t.done_at
              from account_friends f
              left join lateral (select kind, body, done_at from
                                   (select kind, body, done_at from tasks where customer_id = f.external_id and account_id = f.account_id and status = 'done' and done_at <= f.removed_at
                                    union all
                                    select kind, body, done_at from tasks_archive where customer_id = f.external_id and account_id = f.account_id and status = 'done' and done_at <= f.removed_at) x
                                  order by done_at desc limit 1) t on true
             where f.removed_by_customer and f.account_id = any($1)
                   {(before is null ? "" : "and (f.removed_at, f.account_id, f.external_id) < ($3, $4, $5)")}
             order by f.removed_at desc, f.account_id desc, f.external_id desc
             limit $2
            """);
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = limit });
        if (before is not null)
        {
            cmd.Parameters.Add(new() { Value = before.At.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = before.AccountId });
            cmd.Parameters.Add(new() { Value = before.CustomerId });
        }
        await using var r = await cmd.ExecuteReaderAsync();
        var losses = new List<Loss>();
        while (await r.ReadAsync())
            losses.Add(new(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2),
                r.IsDBNull(3) ? null : new LastTouch(r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5))));
        return losses;
    }

    /// <summary>Marks an open task done; false when it was not open any more (done twice, or by someone else).</summary>
    public async Task<bool> MarkDoneAsync(Guid id, string by, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("update tasks set status = 'done', done_at = $2, done_by = $3 where id = $1 and status = 'open'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = by });
        return Announce(await cmd.ExecuteNonQueryAsync()) == 1;
    }

    /// <summary>Tells open consoles when rows changed (after the statement committed).</summary>
    private int Announce(int changedRows)
    {
        if (changedRows > 0) changes.Announce(Changes.ChangeTopics.Tasks);
        return changedRows;
    }

    private async Task<List<WorkTask>> QueryAsync(string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var arg in args) cmd.Parameters.Add(new() { Value = arg });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<WorkTask>();
        while (await r.ReadAsync())
            list.Add(new(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
                r.GetFieldValue<DateTimeOffset>(5), r.GetString(6), r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetGuid(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11)));
        return list;
    }
}
