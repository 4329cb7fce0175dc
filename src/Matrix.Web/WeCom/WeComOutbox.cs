using System.Text.Json;
using Matrix.Domain.WeCom;
using Matrix.Grains;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="Status">pending (to be sent at <paramref name="NextAt"/>), done, or failed (WeCom refused it: <paramref name="LastError"/>).</param>
public sealed record WeComOutboxItem(long Id, string CorpId, string Kind, string Subject, string Status, int Attempts, DateTimeOffset NextAt, int? LastCode,
    string? LastError, string? FailureKind, DateTimeOffset CreatedAt, DateTimeOffset? DoneAt);

/// <summary>
/// Calls to WeCom that must reach it in the end though it may be down, rate-limited or refusing this server when they
/// are made (Migrations/0011): each is written first and sent after, and tried again by <see cref="WeComFailures"/>'s
/// schedule until WeCom takes it or refuses it for itself. A row is sent under its row lock (skip locked), so two
/// nodes draining at once never send one call twice; what both nodes could do is send it again after a crash between
/// WeCom's answer and the row's update, which is why only calls that are harmless twice (a tag mark) go here.
/// </summary>
public sealed partial class WeComOutbox(NpgsqlDataSource db, WeComCorps corps, WeComClient client, StoreClock clock, ILogger<WeComOutbox> logger)
{
    /// <summary>A call was written: this node's watcher drains soon.</summary>
    public event Action? Added;

    /// <summary>Writes a call to send; the next drain sends it.</summary>
    public async Task AddAsync(string corpId, string kind, string path, object body, string subject)
    {
        await using var cmd = db.CreateCommand("""
            insert into wecom_outbox (corp_id, kind, path, body, subject, next_at, created_at) values ($1, $2, $3, $4::jsonb, $5, $6, $6)
            """);
        foreach (var value in new object[] { corpId, kind, path, JsonSerializer.Serialize(body), subject, clock.UtcNow.ToUniversalTime() })
            cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
        Added?.Invoke();
    }

    /// <summary>How long a sent call stays listed. Default 30 days.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(30);

    /// <summary>Sends every call that is due, one at a time; returns how many WeCom took.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken = default)
    {
        await using (var forget = db.CreateCommand("delete from wecom_outbox where status = 'done' and done_at < $1"))
        {
            forget.Parameters.Add(new() { Value = (clock.UtcNow - KeptFor).ToUniversalTime() });
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }
        var sent = 0;
        while (!cancellationToken.IsCancellationRequested && await SendOneAsync(cancellationToken) is { } took)
            if (took) sent++;
        return sent;
    }

    // One due row, locked while it is sent: null when none is due (or every due one is another node's now).
    private async Task<bool?> SendOneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        long id;
        string corpId, path, body;
        int attempts;
        await using (var pick = new NpgsqlCommand("""
            select id, corp_id, path, body::text, attempts from wecom_outbox where status = 'pending' and next_at <= $1
             order by next_at, id limit 1 for update skip locked
            """, connection, tx))
        {
            pick.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
            await using var r = await pick.ExecuteReaderAsync(cancellationToken);
            if (!await r.ReadAsync(cancellationToken)) return null;
            (id, corpId, path, body, attempts) = (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4));
        }
        var corp = await corps.GetAsync(corpId);
        var answer = corp is not null
            ? await client.TryPostAsync(corp.App, path, JsonSerializer.Deserialize<JsonElement>(body), cancellationToken)
            : new WeComAnswer(40013, "the corp is no longer connected", []);
        var now = clock.UtcNow;
        var next = answer.Ok ? null : WeComFailures.NextTry(WeComFailures.Classify(answer.ErrCode), attempts + 1, now, corp is null ? null : client.BlockedUntil(corp.App));
        await using (var save = new NpgsqlCommand("""
            update wecom_outbox set status = $2, attempts = attempts + 1, next_at = coalesce($3, next_at), last_code = $4, last_error = $5, done_at = $6 where id = $1
            """, connection, tx))
        {
            var status = answer.Ok ? "done" : next is null ? "failed" : "pending";
            foreach (var value in new object?[] { id, status, next?.ToUniversalTime(), answer.Ok ? null : answer.ErrCode, answer.Ok ? null : answer.ErrMsg,
                         status == "pending" ? null : now.ToUniversalTime() })
                save.Parameters.Add(new() { Value = value ?? DBNull.Value });
            await save.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        if (!answer.Ok) NotTaken(logger, id, answer.ErrCode, answer.ErrMsg, next);
        return answer.Ok;
    }

    /// <summary>When the earliest waiting call is to be tried; null when none waits.</summary>
    public async Task<DateTimeOffset?> NextDueAsync()
    {
        await using var cmd = db.CreateCommand("select min(next_at) from wecom_outbox where status = 'pending'");
        return await cmd.ExecuteScalarAsync() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>What waits or failed, and the latest sent: newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<WeComOutboxItem>> ListAsync(int limit = 200)
    {
        await using var cmd = db.CreateCommand("""
            select id, corp_id, kind, subject, status, attempts, next_at, last_code, last_error, created_at, done_at from wecom_outbox
             order by status = 'done', id desc limit $1
            """);
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<WeComOutboxItem>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            int? code = r.IsDBNull(7) ? null : r.GetInt32(7);
            list.Add(new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetFieldValue<DateTimeOffset>(6), code,
                r.IsDBNull(8) ? null : r.GetString(8), code is { } c ? WeComFailures.Classify(c).ToString() : null, r.GetFieldValue<DateTimeOffset>(9),
                r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10)));
        }
        return list;
    }

    /// <summary>A pending or failed call is tried at the next drain (after a person fixed what WeCom refused); false when there is no such call.</summary>
    public async Task<bool> RetryAsync(long id)
    {
        await using var cmd = db.CreateCommand("update wecom_outbox set status = 'pending', next_at = $2 where id = $1 and status <> 'done'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        if (await cmd.ExecuteNonQueryAsync() != 1) return false;
        Added?.Invoke();
        return true;
    }

    /// <summary>Customers with calls still waiting (a sync leaves their tags alone until those are sent).</summary>
    public async Task<IReadOnlySet<string>> WaitingSubjectsAsync(string kind)
    {
        await using var cmd = db.CreateCommand("select distinct body->>'external_userid' from wecom_outbox where status = 'pending' and kind = $1");
        cmd.Parameters.Add(new() { Value = kind });
        var set = new HashSet<string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) if (!r.IsDBNull(0)) set.Add(r.GetString(0));
        return set;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom did not take outbox call {Id} ({ErrCode} {ErrMsg}); next try {NextAt} (none: failed)")]
    private static partial void NotTaken(ILogger logger, long id, int errCode, string errMsg, DateTimeOffset? nextAt);
}
