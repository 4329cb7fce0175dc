using Matrix.Domain;
using Matrix.Domain.WeCom;
using Matrix.Grains;
using Matrix.WeCom.Api;
using Matrix.WeCom.Callbacks;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="ApiBase">WeCom's API (https://qyapi.weixin.qq.com); a test's fake server otherwise.</param>
public sealed record WeComCorpRequest(string? AgentId, string? Secret, string? Token, string? AesKey, string? ApiBase = null);

/// <summary>A corp as shown: never its secrets, only that they are set; and what WeCom said when last asked about its app.</summary>
public sealed record WeComCorpView(string CorpId, string AgentId, string ApiBase, bool SecretsSet, string CallbackPath, string UpdatedBy, DateTimeOffset UpdatedAt,
    WeComAppCheck? Check);

/// <summary>
/// WeCom's answer about the corp's app, asked with the app's own token: its name when the settings are right
/// (<paramref name="Code"/> 0), else WeCom's code and words and what they mean (<see cref="WeComFailureKind"/>).
/// </summary>
public sealed record WeComAppCheck(DateTimeOffset At, int Code, string? Message, string? AppName, string? FailureKind)
{
    public bool Ok => Code == 0;
}

/// <summary>A corp's settings as the adapter uses them: the app to call, and the crypto its callbacks are read with.</summary>
public sealed record WeComCorp(WeComApp App, WeComCrypto Crypto);

/// <summary>The WeCom corps Matrix is connected to (Migrations/0005), their secrets protected at rest.</summary>
public sealed class WeComCorps(NpgsqlDataSource db, IDataProtectionProvider protection, StoreClock clock, WeComClient client)
{
    public const string DefaultApiBase = "https://qyapi.weixin.qq.com";
    private readonly IDataProtector _protector = protection.CreateProtector("Matrix.WeCom.Secrets");

    /// <summary>Saves the corp's settings, its secrets protected; <see cref="CheckAsync"/> then tells whether they work.</summary>
    public async Task SaveAsync(string corpId, WeComCorpRequest request, string by)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(corpId) || corpId.Length > 64 || !corpId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            errors.Add(FieldError.Of("corpId", RuleKeys.Invalid, "must be 1 to 64 letters, digits, '-' or '_'"));
        foreach (var (field, value) in new[] { ("agentId", request.AgentId), ("secret", request.Secret), ("token", request.Token) })
            if (string.IsNullOrWhiteSpace(value)) errors.Add(FieldError.Of(field, RuleKeys.Required, "is required"));
        if (!string.IsNullOrWhiteSpace(request.AgentId) && request.AgentId.Trim() is var agent && (agent.Length > 10 || !agent.All(char.IsAsciiDigit)))
            errors.Add(FieldError.Of("agentId", RuleKeys.Invalid, "must be the app's AgentId: up to 10 digits"));
        if (request.AesKey is not { Length: 43 } key || !key.All(char.IsAsciiLetterOrDigit))
            errors.Add(FieldError.Of("aesKey", RuleKeys.Invalid, "must be the 43 letters and digits of the EncodingAESKey"));
        var apiBase = string.IsNullOrWhiteSpace(request.ApiBase) ? DefaultApiBase : request.ApiBase.Trim();
        if (!Uri.TryCreate(apiBase, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            errors.Add(FieldError.Of("apiBase", RuleKeys.Invalid, "must be an http(s) address"));
        DomainValidationException.ThrowIfAny(errors);

        await using var cmd = db.CreateCommand("""
            insert into wecom_corps (corp_id, agent_id, api_base, secret, token, aes_key, updated_by, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8)
            on conflict (corp_id) do update set agent_id = $2, api_base = $3, secret = $4, token = $5, aes_key = $6, updated_by = $7, updated_at = $8
            """);
        foreach (var value in new object[] { corpId, request.AgentId!.Trim(), apiBase, _protector.Protect(request.Secret!.Trim()), _protector.Protect(request.Token!.Trim()),
                     _protector.Protect(request.AesKey!), by, clock.UtcNow.ToUniversalTime() })
            cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Asks WeCom about the corp's app with the app's own token (<c>agent/get</c>) and keeps the answer, so settings
    /// that cannot work are reported when they are saved rather than by the first sync: a wrong secret (40001), another
    /// app's secret (301002), a wrong agent id (40056), a server WeCom does not trust (60020), WeCom out of reach.
    /// </summary>
    public async Task<WeComCorpView> CheckAsync(string corpId)
    {
        var corp = await GetAsync(corpId) ?? throw new KeyNotFoundException($"WeCom corp {corpId}");
        var answer = await client.TryGetAsync(corp.App, "/cgi-bin/agent/get", new Dictionary<string, string> { ["agentid"] = corp.App.AgentId });
        await using var cmd = db.CreateCommand("update wecom_corps set checked_at = $2, check_code = $3, check_message = $4, app_name = $5 where corp_id = $1");
        foreach (var value in new object?[] { corpId, clock.UtcNow.ToUniversalTime(), answer.ErrCode, answer.Ok ? null : answer.ErrMsg, answer.Ok ? answer.Body["name"]?.ToString() : null })
            cmd.Parameters.Add(new() { Value = value ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync();
        return (await ListAsync()).Single(c => c.CorpId == corpId);
    }

    public async Task<IReadOnlyList<WeComCorpView>> ListAsync()
    {
        await using var cmd = db.CreateCommand("""
            select corp_id, agent_id, api_base, updated_by, updated_at, checked_at, check_code, check_message, app_name from wecom_corps order by corp_id
            """);
        var list = new List<WeComCorpView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var check = r.IsDBNull(5) ? null : new WeComAppCheck(r.GetFieldValue<DateTimeOffset>(5), r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7),
                r.IsDBNull(8) ? null : r.GetString(8), r.GetInt32(6) == 0 ? null : WeComFailures.Classify(r.GetInt32(6)).ToString());
            list.Add(new(r.GetString(0), r.GetString(1), r.GetString(2), true, $"/wecom/callback/{r.GetString(0)}", r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), check));
        }
        return list;
    }

    /// <summary>
    /// The corp a WeCom account's member belongs to: the one whose member list the last sync found it on, else the
    /// matrix's only corp; null when neither tells (several corps, no sync yet).
    /// </summary>
    public async Task<string?> CorpOfAccountAsync(string accountId)
    {
        await using var cmd = db.CreateCommand("""
            select coalesce((select corp_id from wecom_account_syncs where account_id = $1), (select min(corp_id) from wecom_corps having count(*) = 1))
            """);
        cmd.Parameters.Add(new() { Value = accountId });
        return await cmd.ExecuteScalarAsync() as string;
    }

    /// <summary>The app of the corp a WeCom account belongs to (<see cref="CorpOfAccountAsync"/>); null when none is known.</summary>
    public async Task<WeComCorp?> OfAccountAsync(string accountId) => await CorpOfAccountAsync(accountId) is { } corpId ? await GetAsync(corpId) : null;

    /// <summary>The corp's app and callback crypto, its secrets unprotected; null for a corp Matrix does not know.</summary>
    public async Task<WeComCorp?> GetAsync(string corpId)
    {
        await using var cmd = db.CreateCommand("select agent_id, api_base, secret, token, aes_key from wecom_corps where corp_id = $1");
        cmd.Parameters.Add(new() { Value = corpId });
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return null;
        var app = new WeComApp(r.GetString(1), corpId, r.GetString(0), _protector.Unprotect(r.GetString(2)));
        return new(app, new WeComCrypto(_protector.Unprotect(r.GetString(3)), _protector.Unprotect(r.GetString(4)), corpId));
    }
}
