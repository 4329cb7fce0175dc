using Npgsql;

namespace Matrix.Web.WeCom;

/// <summary>
/// Which of some tasks were already sent to WeCom: each kind of WeCom work keys its table by the task's id (a task is
/// sent once), and asks only about the tasks at hand rather than reading every row ever sent.
/// </summary>
internal static class SentTasks
{
    /// <param name="table">wecom_transfers, wecom_messages or wecom_moments (never user input).</param>
    public static async Task<HashSet<Guid>> AmongAsync(NpgsqlDataSource db, string table, IEnumerable<Guid> ids)
    {
        if (table is not ("wecom_transfers" or "wecom_messages" or "wecom_moments")) throw new ArgumentOutOfRangeException(nameof(table), table, "not a table of WeCom work");
        await using var cmd = db.CreateCommand($"select task_id from {table} where task_id = any($1)");
        cmd.Parameters.Add(new() { Value = ids.ToArray() });
        var known = new HashSet<Guid>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) known.Add(r.GetGuid(0));
        return known;
    }
}
