using System.Security.Cryptography;
using System.Text;
using Matrix.Domain;
using Npgsql;

namespace Matrix.Web.Access;

public sealed record ApiKeyView(string Id, string Name, IReadOnlyList<string> Endpoints, IReadOnlyList<string> Accounts, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? RevokedAt);

/// <param name="Endpoints">What the key may call, as "METHOD /route/pattern" (e.g. "POST /api/events/purchase").</param>
/// <param name="Accounts">The accounts it may act for; "*" for all.</param>
public sealed record NewApiKey(string Name, IReadOnlyList<string> Endpoints, IReadOnlyList<string> Accounts);

/// <summary>
/// API keys (Migrations/0001_operators.sql). A key reads "mk_{id}_{secret}": the id finds the row, the secret's
/// SHA-256 is compared in constant time. The secret exists only in the answer to the request that made it.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource db, Matrix.Grains.StoreClock clock)
{
    public async Task<(ApiKeyView Key, string Token)> CreateAsync(NewApiKey request, IReadOnlySet<string> knownEndpoints, string by)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64) errors.Add(new("name", "1-64 characters"));
        if (request.Endpoints is not { Count: > 0 }) errors.Add(new("endpoints", "name at least one endpoint, e.g. \"POST /api/events/purchase\""));
        else errors.AddRange(request.Endpoints.Where(e => !knownEndpoints.Contains(e)).Select(e => new FieldError("endpoints", $"'{e}' is not an endpoint of Matrix")));
        if (request.Accounts is not { Count: > 0 }) errors.Add(new("accounts", "name the accounts the key acts for, or \"*\" for all"));
        DomainValidationException.ThrowIfAny(errors);

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKeyView(id, request.Name, request.Endpoints!, request.Accounts!, clock.UtcNow, by, null);
        await using var cmd = db.CreateCommand("insert into api_keys (id, name, secret_hash, endpoints, accounts, created_at, created_by) values ($1, $2, $3, $4, $5, $6, $7)");
        foreach (var v in new object[] { id, key.Name, Hash(secret), key.Endpoints.ToArray(), key.Accounts.ToArray(), key.CreatedAt.ToUniversalTime(), by })
            cmd.Parameters.Add(new() { Value = v });
        await cmd.ExecuteNonQueryAsync();
        return (key, $"mk_{id}_{secret}");
    }

    /// <summary>The key a token stands for, unless it is unknown, wrong or revoked.</summary>
    public async Task<ApiKeyView?> FindAsync(string token)
    {
        var parts = token.Split('_', 3);
        if (parts is not ["mk", var id, var secret] || id.Length != 12) return null;
        var key = (await QueryAsync("where id = $1", id)).FirstOrDefault();
        if (key is not { Hash: var stored, View.RevokedAt: null }) return null;
        return CryptographicOperations.FixedTimeEquals(stored, Hash(secret)) ? key.View : null;
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync() => [.. (await QueryAsync("order by created_at", null)).Select(k => k.View)];

    public async Task<bool> RevokeAsync(string id)
    {
        await using var cmd = db.CreateCommand("update api_keys set revoked_at = $2 where id = $1 and revoked_at is null");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    private async Task<List<(ApiKeyView View, byte[] Hash)>> QueryAsync(string where, string? id)
    {
        await using var cmd = db.CreateCommand($"select id, name, endpoints, accounts, created_at, created_by, revoked_at, secret_hash from api_keys {where}");
        if (id is not null) cmd.Parameters.Add(new() { Value = id });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(ApiKeyView, byte[])>();
        while (await r.ReadAsync())
            list.Add((new(r.GetString(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetFieldValue<string[]>(3), r.GetFieldValue<DateTimeOffset>(4), r.GetString(5),
                r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6)), r.GetFieldValue<byte[]>(7)));
        return list;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
