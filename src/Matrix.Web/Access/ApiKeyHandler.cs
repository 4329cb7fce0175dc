using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Access;

/// <summary>Authenticates "X-Api-Key: mk_..." as the key's principal, carrying the endpoints and accounts it is limited to.</summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenOf(Request) is not { } token) return AuthenticateResult.NoResult();
        if (await keys.FindAsync(token) is not { } key) return AuthenticateResult.Fail("unknown or revoked API key");
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"key:{key.Name}"),
            new Claim(AccessClaims.KeyId, key.Id),
            .. key.Endpoints.Select(e => new Claim(AccessClaims.KeyEndpoint, e)),
            .. key.Accounts.Select(a => new Claim(AccessClaims.KeyAccount, a)),
        ], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    /// <summary>
    /// The key in the header; for a calendar feed (".ics") also in the query string, since calendar apps subscribe
    /// to a URL and cannot send headers. Such a key should name only the feed's endpoint.
    /// </summary>
    public static string? TokenOf(HttpRequest request) =>
        request.Headers[AccessHosting.ApiKeyHeader].ToString() is { Length: > 0 } header ? header
        : request.Path.Value?.EndsWith(".ics", StringComparison.Ordinal) == true && request.Query["key"].ToString() is { Length: > 0 } query ? query
        : null;
}
