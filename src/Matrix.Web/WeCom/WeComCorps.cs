using Matrix.Domain;
using Matrix.Grains;
using Matrix.WeCom.Api;
using Matrix.WeCom.Callbacks;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="ApiBase">WeCom's API (https://qyapi.weixin.qq.com); a test's fake server otherwise.</param>
public sealed record WeComCorpRequest(string? AgentId, string? Secret, string? Token, string? AesKey, string? ApiBase = null);

/// <summary>A corp as shown: never its secrets, only that they are set.</summary>
public sealed record WeComCorpView(string CorpId, string AgentId, string ApiBase, bool SecretsSet, string CallbackPath, string UpdatedBy, DateTimeOffset UpdatedAt);

/// <summary>A corp's settings as the adapter uses them: the app to call, and the crypto its callbacks are read with.</summary>
public sealed record WeComCorp(WeComApp App, WeComCrypto Crypto);

/// <summary>The WeCom corps Matrix is connected to (Migrations/0005), their secrets protected at rest.</summary>
public sealed class WeComCorps(NpgsqlDataSource db, IDataProtectionProvider protection, StoreClock clock)
{
    public const string DefaultApiBase = "https://qyapi.weixin.qq.com";
    private readonly IDataProtector _protector = protection.CreateProtector("Matrix.WeCom.Secrets");

    public async Task<WeComCorpView> SaveAsync(string corpId, WeComCorpRequest request, string by)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(corpId) || corpId.Length > 64 || !corpId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            errors.Add(FieldError.Of("corpId", RuleKeys.Invalid, "must be 1 to 64 letters, digits, '-' or '_'"));
        foreach (var (field, value) in new[] { ("agentId", request.AgentId), ("secret", request.Secret), ("token", request.Token) })
            if (string.IsNullOrWhiteSpace(value)) errors.Add(FieldError.Of(field, RuleKeys.Required, "is required"));
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
        return (await ListAsync()).Single(c => c.CorpId == corpId);
    }

    public async Task<IReadOnlyList<WeComCorpView>> ListAsync()
    {
        await using var cmd = db.CreateCommand("select corp_id, agent_id, api_base, updated_by, updated_at from wecom_corps order by corp_id");
        var list = new List<WeComCorpView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.GetString(1), r.GetString(2), true, $"/wecom/callback/{r.GetString(0)}", r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)));
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
