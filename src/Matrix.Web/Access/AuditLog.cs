using Npgsql;

namespace Matrix.Web.Access;

public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string Target, string Detail);

/// <summary>Who did what (Migrations/0001_operators.sql): append-only, read newest first.</summary>
public sealed class AuditLog(NpgsqlDataSource db, Matrix.Grains.StoreClock clock)
{
    public async Task WriteAsync(string actor, string action, string target, string detail = "")
    {
        await using var cmd = db.CreateCommand("insert into audit_log (at, actor, action, target, detail) values ($1, $2, $3, $4, $5)");
        foreach (var v in new object[] { clock.UtcNow.ToUniversalTime(), actor, action, target, detail }) cmd.Parameters.Add(new() { Value = v });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, string? action)
    {
        await using var cmd = db.CreateCommand("select id, at, actor, action, target, detail from audit_log where ($2::text is null or action = $2) order by id desc limit $1");
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = (object?)action ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<AuditEntry>();
        while (await r.ReadAsync()) list.Add(new(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5)));
        return list;
    }
}
