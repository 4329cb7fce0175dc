using Npgsql;

namespace Matrix.Grains.Tasks;

/// <summary>A piece of work for the person holding an account's phone.</summary>
public sealed record WorkTask(Guid Id, string AccountId, string? CustomerId, string Kind, string Body, DateTimeOffset DueAt, string Origin,
    string Status, string? TargetAccountId, Guid? Reservation, DateTimeOffset? DoneAt, string? DoneBy);

/// <summary>The SQL of the task queue (the tasks table is described in Migrations/0001_accounts.sql).</summary>
public sealed class TaskStore(NpgsqlDataSource db)
{
    private const string Columns = "id, account_id, customer_id, kind, body, due_at, origin, status, target_account_id, reservation, done_at, done_by";

    public async Task AddAsync(WorkTask task, DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand($"insert into tasks ({Columns}, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
        foreach (var value in new object?[] { task.Id, task.AccountId, task.CustomerId, task.Kind, task.Body, task.DueAt, task.Origin, task.Status, task.TargetAccountId, task.Reservation, task.DoneAt, task.DoneBy, now })
            cmd.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown },
                _ => new NpgsqlParameter { Value = value },
            });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<WorkTask?> GetAsync(Guid id) => (await QueryAsync($"select {Columns} from tasks where id = $1", id)).FirstOrDefault();

    public Task<List<WorkTask>> OpenForAccountAsync(string accountId) =>
        QueryAsync($"select {Columns} from tasks where account_id = $1 and status = 'open' order by due_at, id", accountId);

    /// <summary>Marks an open task done; false when it was not open any more (done twice, or by someone else).</summary>
    public async Task<bool> MarkDoneAsync(Guid id, string by, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("update tasks set status = 'done', done_at = $2, done_by = $3 where id = $1 and status = 'open'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = at });
        cmd.Parameters.Add(new() { Value = by });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    private async Task<List<WorkTask>> QueryAsync(string sql, object arg)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = arg });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<WorkTask>();
        while (await r.ReadAsync())
            list.Add(new(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
                r.GetFieldValue<DateTimeOffset>(5), r.GetString(6), r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetGuid(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11)));
        return list;
    }
}
