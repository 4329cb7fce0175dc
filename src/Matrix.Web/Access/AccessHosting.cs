using System.Security.Claims;
using Matrix.Domain.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Matrix.Web.Access;

/// <summary>
/// Sign-in and who may call what. Browsers sign in with a password and carry a cookie; integrations send
/// "X-Api-Key". Every endpoint needs one or the other unless it is marked anonymous (the live code, health, the
/// sign-in page); an API key may call only the endpoints it names.
/// </summary>
public static class AccessHosting
{
    public const string Scheme = "Matrix";
    public const string ApiKeyScheme = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";

    public static IServiceCollection AddMatrixAccess(this IServiceCollection services)
    {
        services.AddSingleton(new SignInPolicy());
        services.AddSingleton<OperatorStore>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AccessService>();
        services.AddHostedService<FirstAdminSetup>();
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, null, o => o.ForwardDefaultSelector = http =>
                ApiKeyHandler.TokenOf(http.Request) is not null ? ApiKeyScheme : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "matrix.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict; // no other site can make a browser send it, so no CSRF on the JSON API
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.LoginPath = "/sign-in";
                o.AccessDeniedPath = "/sign-in";
                // The API answers 401/403; only pages redirect to the sign-in page.
                o.Events.OnRedirectToLogin = ctx => Answer(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => Answer(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyScheme, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy("admin", p => p.RequireRole(nameof(OperatorRole.Admin)));
        return services;
    }

    /// <summary>The largest body Matrix reads (a QR code sent as a data: URL is the largest thing anyone sends).</summary>
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    public static WebApplication UseMatrixAccess(this WebApplication app)
    {
        // Refused before anything reads it, whichever server runs Matrix (Kestrel has its own limit too).
        app.Use(async (http, next) =>
        {
            if (http.Request.ContentLength > MaxBodyBytes)
            {
                await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body is larger than {MaxBodyBytes / 1024 / 1024} MB; nothing was read.").ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        app.UseAuthentication();
        app.Use(async (http, next) =>
        {
            if (http.User.HasClaim(c => c.Type == AccessClaims.MustChangePassword)
                && !AllowedBeforePasswordChange.Any(p => http.Request.Path.StartsWithSegments(p)) && Path.GetExtension(http.Request.Path.Value) is not (".css" or ".js" or ".png" or ".ico" or ".woff2"))
            {
                if (http.Request.Path.StartsWithSegments("/api"))
                    await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Set a password of your own first (POST /api/me/password).").ExecuteAsync(http);
                else http.Response.Redirect("/team");
                return;
            }
            await next(http);
        });
        app.UseAuthorization();
        app.Use(async (http, next) =>
        {
            if (http.User.FindFirst(AccessClaims.KeyId) is not null && http.GetEndpoint() is RouteEndpoint endpoint
                && !EndpointKeys(endpoint).Any(k => http.User.HasClaim(AccessClaims.KeyEndpoint, k)))
            {
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This API key may not call this endpoint.").ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    /// <summary>How an API key names an endpoint: "POST /api/events/purchase".</summary>
    public static IEnumerable<string> EndpointKeys(RouteEndpoint endpoint) =>
        (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} /{endpoint.RoutePattern.RawText?.Trim('/')}");

    public static IReadOnlySet<string> KnownEndpointKeys(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>().SelectMany(EndpointKeys).ToHashSet();

    public static ClaimsPrincipal PrincipalOf(OperatorView op, Guid session) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, op.UserName),
        new Claim(ClaimTypes.Role, op.Role.ToString()),
        new Claim(AccessClaims.Session, session.ToString()),
        .. op.Team is { } team ? [new Claim(AccessClaims.Team, team)] : Array.Empty<Claim>(),
        .. op.MustChangePassword ? [new Claim(AccessClaims.MustChangePassword, "true")] : Array.Empty<Claim>(),
    ], CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>
    /// Every request with a cookie: its session must still be open (not signed out, not ended by a password change or
    /// an admin, its operator not disabled) on whichever node it arrives. While the password must be changed, the
    /// cookie says so, and <see cref="UseMatrixAccess"/> lets it do nothing else.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext ctx)
    {
        var principal = ctx.Principal!;
        var state = Guid.TryParse(principal.FindFirst(AccessClaims.Session)?.Value, out var id)
            ? await ctx.HttpContext.RequestServices.GetRequiredService<SessionStore>().StateAsync(id)
            : SessionState.Ended;
        if (state == SessionState.Ended)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        var flagged = principal.HasClaim(c => c.Type == AccessClaims.MustChangePassword);
        if (flagged == (state == SessionState.MustChangePassword)) return;
        var claims = principal.Claims.Where(c => c.Type != AccessClaims.MustChangePassword).ToList();
        if (!flagged) claims.Add(new Claim(AccessClaims.MustChangePassword, "true"));
        ctx.ReplacePrincipal(new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
        ctx.ShouldRenew = true;
    }

    // What a session that must set a new password may still reach: that, signing out, and what the pages need to load.
    private static readonly string[] AllowedBeforePasswordChange =
        ["/api/me", "/api/auth/sign-out", "/auth/sign-out", "/team", "/sign-in", "/culture", "/_blazor", "/_framework", "/_content", "/css", "/favicon"];

    private static Task Answer(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        // Pages send a stranger to sign in; the API, and the dashboard to a signed-in non-admin, answer with the status.
        var answers = ctx.Request.Path.StartsWithSegments("/api")
            || status == StatusCodes.Status403Forbidden && ctx.Request.Path.StartsWithSegments("/dashboard");
        if (!answers) ctx.Response.Redirect(ctx.RedirectUri);
        else ctx.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
