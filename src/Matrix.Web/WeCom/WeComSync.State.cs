using Matrix.Domain.WeCom;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="FailureKind">What the last error means (<see cref="WeComFailureKind"/>): Setup is for a person to fix in WeCom.</param>
public sealed record WeComCorpSyncView(string CorpId, DateTimeOffset? RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? LastSyncedAt, int? LastCode, string? LastError,
    string? FailureKind, DateTimeOffset? LastErrorAt, DateTimeOffset? NextRetryAt, IReadOnlyList<string> UnmatchedMembers);

/// <param name="Running">A run started and not finished (it resumes from its cursor); <paramref name="Seen"/>, <paramref name="Added"/> and <paramref name="Removed"/> count the current or last run.</param>
public sealed record WeComAccountSyncView(string AccountId, string CorpId, string UserId, bool Running, int Seen, int Added, int Removed, DateTimeOffset? LastSyncedAt,
    int? LastCode, string? LastError, string? FailureKind, DateTimeOffset? LastErrorAt, DateTimeOffset? NextRetryAt);

/// <summary>Everything the console shows of WeCom's sync: corps, accounts, the tag mirror's rows and the outbox.</summary>
public sealed record WeComSyncView(IReadOnlyList<WeComCorpSyncView> Corps, IReadOnlyList<WeComAccountSyncView> Accounts, IReadOnlyList<WeComTagView> Tags,
    IReadOnlyList<WeComOutboxItem> Outbox);

public sealed partial class WeComSync
{
    private sealed record CorpState(DateTimeOffset? RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? NextRetryAt, int Attempts);

    private sealed record AccountSync(string AccountId, string UserId, DateTimeOffset? RunStartedAt, string? Cursor, int? LastCode, DateTimeOffset? NextRetryAt, int Attempts);

    public async Task<WeComSyncView> StatusAsync()
    {
        var corpViews = new List<WeComCorpSyncView>();
        await using (var cmd = db.CreateCommand("""
            select c.corp_id, s.requested_at, s.started_at, s.last_synced_at, s.last_code, s.last_error, s.last_error_at, s.next_retry_at, coalesce(s.unmatched_members, '{}')
              from wecom_corps c left join wecom_corp_syncs s on s.corp_id = c.corp_id order by c.corp_id
            """))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
            {
                int? code = r.IsDBNull(4) ? null : r.GetInt32(4);
                corpViews.Add(new(r.GetString(0), At(r, 1), At(r, 2), At(r, 3), code, r.IsDBNull(5) ? null : r.GetString(5), Kind(code), At(r, 6), At(r, 7), r.GetFieldValue<string[]>(8)));
            }
        var accountViews = new List<WeComAccountSyncView>();
        await using (var cmd = db.CreateCommand("""
            select account_id, corp_id, user_id, run_started_at is not null, seen, added, removed, last_synced_at, last_code, last_error, last_error_at, next_retry_at
              from wecom_account_syncs order by corp_id, account_id
            """))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
            {
                int? code = r.IsDBNull(8) ? null : r.GetInt32(8);
                accountViews.Add(new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), At(r, 7), code,
                    r.IsDBNull(9) ? null : r.GetString(9), Kind(code), At(r, 10), At(r, 11)));
            }
        return new(corpViews, accountViews, await mirror.ListAsync(), await outbox.ListAsync());
    }

    /// <summary>The earliest retry a failed corp or account sync waits for; null when none waits.</summary>
    public async Task<DateTimeOffset?> NextRetryAsync()
    {
        await using var cmd = db.CreateCommand("""
            select min(at) from (select min(s.next_retry_at) as at from wecom_corp_syncs s join wecom_corps c on c.corp_id = s.corp_id
                                 union all select min(a.next_retry_at) from wecom_account_syncs a join wecom_corps c on c.corp_id = a.corp_id) retries
            """);
        return await cmd.ExecuteScalarAsync() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    private async Task<CorpState> CorpStateAsync(string corpId)
    {
        await using var cmd = db.CreateCommand("select requested_at, started_at, next_retry_at, attempts from wecom_corp_syncs where corp_id = $1");
        cmd.Parameters.Add(new() { Value = corpId });
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? new(At(r, 0), At(r, 1), At(r, 2), r.GetInt32(3)) : new(null, null, null, 0);
    }

    private Task StartedAsync(string corpId, DateTimeOffset now) => Execute("""
        insert into wecom_corp_syncs (corp_id, started_at) values ($1, $2)
        on conflict (corp_id) do update set started_at = $2, requested_at = null
        """, corpId, now.ToUniversalTime());

    private Task CorpSyncedAsync(string corpId) => Execute("""
        update wecom_corp_syncs set last_synced_at = $2, last_code = null, last_error = null, last_error_at = null, next_retry_at = null, attempts = 0 where corp_id = $1
        """, corpId, clock.UtcNow.ToUniversalTime());

    private async Task CorpFailedAsync(WeComCorp corp, WeComAnswer failed, int attempts)
    {
        var (now, corpId) = (clock.UtcNow, corp.App.CorpId);
        var next = WeComFailures.NextTry(WeComFailures.Classify(failed.ErrCode), attempts, now, client.BlockedUntil(corp.App)) ?? now + WeComFailures.LongestWait;
        await Execute("""
            update wecom_corp_syncs set last_code = $2, last_error = $3, last_error_at = $4, next_retry_at = $5, attempts = $6 where corp_id = $1
            """, corpId, failed.ErrCode, failed.ErrMsg, now.ToUniversalTime(), next.ToUniversalTime(), attempts);
        SyncFailed(logger, corpId, failed.ErrCode, failed.ErrMsg, next);
    }

    private async Task AccountFailedAsync(string accountId, WeComAnswer failed, int attempts)
    {
        var now = clock.UtcNow;
        var kind = WeComFailures.Classify(failed.ErrCode);
        DateTimeOffset? next = failed.ErrCode == WeComFailures.NoSuchMember ? null
            : WeComFailures.NextTry(kind, attempts, now, await corps.GetAsync(await corps.CorpOfAccountAsync(accountId) ?? "") is { } corp ? client.BlockedUntil(corp.App) : null)
              ?? now + WeComFailures.LongestWait;
        await Execute("""
            update wecom_account_syncs set last_code = $2, last_error = $3, last_error_at = $4, next_retry_at = $5, attempts = $6 where account_id = $1
            """, accountId, failed.ErrCode, failed.ErrMsg, now.ToUniversalTime(), (object?)next?.ToUniversalTime() ?? DBNull.Value, attempts);
        SyncFailed(logger, accountId, failed.ErrCode, failed.ErrMsg, next);
    }

    private async Task<IReadOnlyList<AccountSync>> AccountsAsync(string corpId)
    {
        await using var cmd = db.CreateCommand("""
            select account_id, user_id, run_started_at, cursor, last_code, next_retry_at, attempts from wecom_account_syncs where corp_id = $1 order by account_id
            """);
        cmd.Parameters.Add(new() { Value = corpId });
        var list = new List<AccountSync>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.GetString(1), At(r, 2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetInt32(4), At(r, 5), r.GetInt32(6)));
        return list;
    }

    private static DateTimeOffset? At(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private static string? Kind(int? code) => code is { } c ? WeComFailures.Classify(c).ToString() : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom sync of {What} failed ({ErrCode} {ErrMsg}); next try {NextAt}")]
    private static partial void SyncFailed(ILogger logger, string what, int errCode, string errMsg, DateTimeOffset? nextAt);
}
