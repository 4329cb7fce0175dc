using Matrix.Grains;
using Matrix.WeCom.Api;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <summary>
/// The nodes' shared store of WeCom access tokens (Migrations/0009): a node that has none good reads the table, and
/// only when the table has none good either does it fetch one, holding the app's advisory lock so that the nodes
/// waiting behind it then read the token it stored instead of fetching their own. A token is kept under its corp, app
/// and secret (<see cref="WeComApp.SecretDigest"/>, Migrations/0013).
/// </summary>
public sealed class WeComTokens(NpgsqlDataSource db, IDataProtectionProvider protection, StoreClock clock) : IWeComTokenStore
{
    private const int TokenLock = 1305;
    private readonly IDataProtector _protector = protection.CreateProtector("Matrix.WeCom.Tokens");

    async Task<(string Token, DateTimeOffset Until)> IWeComTokenStore.GetOrFetchAsync(WeComApp app, Func<Task<(string Token, DateTimeOffset Until)>> fetch) =>
        await ReadAsync(app) ?? await AdvisoryLocks.HoldingAsync(db, TokenLock, $"{app.CorpId}|{app.AgentId}|{app.SecretDigest}", async () =>
        {
            if (await ReadAsync(app) is { } stored) return stored; // another node fetched it while this one waited
            var fetched = await fetch();
            // The app's expired rows of other secrets go with it: those of a replaced secret would otherwise stay for
            // good (its own row is the upsert's, so one statement never touches a row twice).
            await using var cmd = db.CreateCommand("""
                with replaced as (delete from wecom_tokens where corp_id = $1 and agent_id = $2 and secret_digest <> $3 and until <= $6)
                insert into wecom_tokens (corp_id, agent_id, secret_digest, token, until) values ($1, $2, $3, $4, $5)
                on conflict (corp_id, agent_id, secret_digest) do update set token = $4, until = $5
                """);
            foreach (var value in new object[] { app.CorpId, app.AgentId, app.SecretDigest, _protector.Protect(fetched.Token), fetched.Until.ToUniversalTime(), clock.UtcNow.ToUniversalTime() })
                cmd.Parameters.Add(new() { Value = value });
            await cmd.ExecuteNonQueryAsync();
            return fetched;
        });

    async Task IWeComTokenStore.ForgetAsync(WeComApp app, string token)
    {
        if (await ReadAsync(app) is not { } stored || stored.Token != token) return; // already replaced
        await using var cmd = db.CreateCommand("delete from wecom_tokens where corp_id = $1 and agent_id = $2 and secret_digest = $3 and until = $4");
        foreach (var value in new object[] { app.CorpId, app.AgentId, app.SecretDigest, stored.Until.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<(string Token, DateTimeOffset Until)?> ReadAsync(WeComApp app)
    {
        await using var cmd = db.CreateCommand("select token, until from wecom_tokens where corp_id = $1 and agent_id = $2 and secret_digest = $3 and until > $4");
        foreach (var value in new object[] { app.CorpId, app.AgentId, app.SecretDigest, clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? (_protector.Unprotect(r.GetString(0)), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }
}
