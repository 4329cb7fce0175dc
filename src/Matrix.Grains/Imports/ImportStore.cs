using System.Text.Json;
using Matrix.Domain;
using Matrix.Domain.Imports;
using Npgsql;
using NpgsqlTypes;

namespace Matrix.Grains.Imports;

/// <summary>The SQL of imports (Migrations/0014_imports.sql): jobs, their rows' verdicts and outcomes.</summary>
public sealed class ImportStore(NpgsqlDataSource db)
{
    private const string JobColumns = """
        id, file_name, file_hash, format, encoding, mode, default_account, headers, ignored, scope, created_by, created_at, status,
        committed_by, committed_at, finished_at, rows_total, verdicts, rows_done, outcomes
        """;

    /// <summary>Writes a checked job and all its rows in one transaction (the rows by binary COPY: a hundred thousand in a second or two).</summary>
    public async Task SaveAsync(ImportJob job, IReadOnlyList<CheckedRow> rows)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand($"""
            insert into import_jobs (id, file_name, file_hash, format, encoding, mode, default_account, headers, ignored, scope, created_by, created_at,
                                     status, rows_total, verdicts)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb)
            """, connection, tx))
        {
            foreach (var value in new object[] { job.Id, job.FileName, job.FileHash, job.Format, job.Encoding, job.Mode.ToString() })
                cmd.Parameters.Add(new() { Value = value });
            cmd.Parameters.Add(new() { Value = (object?)job.DefaultAccount ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = job.Headers.ToArray() });
            cmd.Parameters.Add(new() { Value = job.Ignored.ToArray() });
            cmd.Parameters.Add(new() { Value = (object?)job.Scope?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            foreach (var value in new object[] { job.CreatedBy, job.CreatedAt.ToUniversalTime(), job.Status.ToString(), job.RowsTotal,
                JsonSerializer.Serialize(job.Verdicts.ToDictionary(v => v.Key.ToString(), v => v.Value)) })
                cmd.Parameters.Add(new() { Value = value });
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy import_rows (job_id, row_no, cells, verdict, customer_id, account_id, duplicate_of, reasons) from stdin (format binary)"))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(job.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(row.Number, NpgsqlDbType.Integer);
                await copy.WriteAsync(row.Cells.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync(row.Verdict.ToString(), NpgsqlDbType.Text);
                await WriteNullableAsync(copy, row.CustomerId);
                await WriteNullableAsync(copy, row.AccountId);
                if (row.DuplicateOf is { } first) await copy.WriteAsync(first, NpgsqlDbType.Integer); else await copy.WriteNullAsync();
                await copy.WriteAsync(Reasons(row.Reasons), NpgsqlDbType.Jsonb);
            }
            await copy.CompleteAsync();
        }
        await tx.CommitAsync();
    }

    public async Task<ImportJob?> JobAsync(Guid id)
    {
        await using var cmd = db.CreateCommand($"select {JobColumns} from import_jobs where id = $1");
        cmd.Parameters.Add(new() { Value = id });
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? Job(r) : null;
    }

    /// <summary>The newest jobs, of one importer or (null) of everyone.</summary>
    public async Task<IReadOnlyList<ImportJob>> JobsAsync(string? createdBy, int limit)
    {
        await using var cmd = db.CreateCommand($"select {JobColumns} from import_jobs where $1::text is null or created_by = $1 order by created_at desc, id limit $2");
        cmd.Parameters.Add(new() { Value = (object?)createdBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        var jobs = new List<ImportJob>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) jobs.Add(Job(r));
        return jobs;
    }

    /// <summary>A page of the job's rows after row <paramref name="after"/>, of one verdict or all.</summary>
    public Task<IReadOnlyList<CheckedRow>> RowsAsync(Guid id, ImportVerdict? verdict, int after, int limit) =>
        ReadRowsAsync("job_id = $1 and row_no > $2 and ($4::text is null or verdict = $4) order by row_no limit $3", id, after, limit, verdict?.ToString());

    /// <summary>The next rows the commit has to do, in order.</summary>
    public Task<IReadOnlyList<CheckedRow>> PendingAsync(Guid id, int limit) =>
        ReadRowsAsync("job_id = $1 and row_no > $2 and outcome is null and verdict in ('Create', 'Update') order by row_no limit $3", id, 0, limit);

    /// <summary>The rows that did not go in: refused by the dry run, or failed in the commit.</summary>
    public Task<IReadOnlyList<CheckedRow>> FailedAsync(Guid id) =>
        ReadRowsAsync("job_id = $1 and row_no > $2 and (verdict = 'Error' or outcome = 'Failed') order by row_no limit $3", id, 0, int.MaxValue);

    /// <summary>Starts the commit; false when it had started already (a retried request: the commit goes on as it was).</summary>
    public async Task<bool> BeginCommitAsync(Guid id, string by, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("update import_jobs set status = 'Committing', committed_by = $2, committed_at = $3 where id = $1 and status = 'Checked'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = by });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// Records a chunk's outcomes and adds them to the job's counts in one statement. A row that has an outcome
    /// already (the chunk was done before, by a node that died before it could go on) is not counted again.
    /// </summary>
    public async Task RecordAsync(Guid id, IReadOnlyList<RowOutcome> outcomes)
    {
        await using var cmd = db.CreateCommand("""
            with o as (select * from unnest($2::int[], $3::text[], $4::jsonb[]) as o(row_no, outcome, reasons)),
                 u as (update import_rows r set outcome = o.outcome, reasons = case when o.outcome = 'Failed' then o.reasons else r.reasons end
                         from o where r.job_id = $1 and r.row_no = o.row_no and r.outcome is null returning r.outcome),
                 c as (select outcome, count(*)::int as n from u group by outcome)
            update import_jobs j
               set rows_done = rows_done + coalesce((select sum(n) from c), 0)::int,
                   outcomes = j.outcomes || coalesce((select jsonb_object_agg(c.outcome, coalesce((j.outcomes ->> c.outcome)::int, 0) + c.n) from c), '{}'::jsonb)
             where j.id = $1
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Number).ToArray() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => o.Outcome.ToString()).ToArray() });
        cmd.Parameters.Add(new() { Value = outcomes.Select(o => Reasons(o.Reasons)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task FinishAsync(Guid id, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("update import_jobs set status = 'Done', finished_at = $2 where id = $1 and status = 'Committing'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<IReadOnlyList<CheckedRow>> ReadRowsAsync(string where, Guid id, int after, int limit, string? verdict = null)
    {
        await using var cmd = db.CreateCommand($"select row_no, cells, verdict, customer_id, account_id, duplicate_of, reasons, outcome from import_rows where {where}");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = after });
        cmd.Parameters.Add(new() { Value = limit });
        if (where.Contains("$4")) cmd.Parameters.Add(new() { Value = (object?)verdict ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<CheckedRow>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new(r.GetInt32(0), r.GetFieldValue<string?[]>(1), Enum.Parse<ImportVerdict>(r.GetString(2)), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetInt32(5),
                JsonSerializer.Deserialize<List<StoredReason>>(r.GetString(6))!.Select(s => s.ToError()).ToList(),
                r.IsDBNull(7) ? null : Enum.Parse<ImportOutcome>(r.GetString(7))));
        return rows;
    }

    private static ImportJob Job(NpgsqlDataReader r) => new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        Enum.Parse<ImportMode>(r.GetString(5)), r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<string[]>(7), r.GetFieldValue<string[]>(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<string[]>(9), r.GetString(10), r.GetFieldValue<DateTimeOffset>(11), Enum.Parse<ImportStatus>(r.GetString(12)),
        r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14), r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15),
        r.GetInt32(16), Counts<ImportVerdict>(r.GetString(17)), r.GetInt32(18), Counts<ImportOutcome>(r.GetString(19)));

    private static Dictionary<T, int> Counts<T>(string json) where T : struct, Enum =>
        JsonSerializer.Deserialize<Dictionary<string, int>>(json)!.ToDictionary(c => Enum.Parse<T>(c.Key), c => c.Value);

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) await copy.WriteNullAsync();
        else await copy.WriteAsync(value, NpgsqlDbType.Text);
    }

    private static string Reasons(IReadOnlyList<FieldError> reasons) => JsonSerializer.Serialize(reasons.Select(StoredReason.Of));

    /// <summary>A reason as stored: enough to say it again in any language (its rule key and values) or in English.</summary>
    private sealed record StoredReason(string Field, string Message, string? Key, string[] Args)
    {
        public static StoredReason Of(FieldError e) => new(e.Field, e.Message, e.Key, [.. e.Args]);

        public FieldError ToError() => new(Field, Message) { Key = Key, Args = Args };
    }
}
