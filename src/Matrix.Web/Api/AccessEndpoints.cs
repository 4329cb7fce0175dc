using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Web.Api;

public sealed record SignInRequest(string UserName, string Password);

public sealed record PasswordChange(string CurrentPassword, string NewPassword);

public sealed record OperatorRoleChange(OperatorRole Role, string? Team);

public sealed record PasswordReset(string Password);

internal static class AccessEndpoints
{
    public static void MapAccessApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Access");
        auth.MapPost("/sign-in", async (SignInRequest request, HttpContext http, OperatorStore operators, SessionStore sessions, AuditLog audit, Hosting.SignInThrottle throttle) =>
            throttle.Attempt(request.UserName ?? "") is { } wait ? Throttled(http, wait)
            : await SignInAsync(request.UserName ?? "", request.Password, http, operators, sessions, audit) is { } op
                ? Results.Ok(new { op.UserName, op.Role, op.Team, op.MustChangePassword })
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The user name or password is wrong, or the user is locked for a while."))
            .AllowAnonymous();
        auth.MapPost("/sign-out", async (HttpContext http, SessionStore sessions) =>
        {
            await SignOutAsync(http, sessions);
            return Results.NoContent();
        });

        // The console's sign-in form (a plain form post; the antiforgery token comes with the page).
        app.MapPost("/auth/sign-in", async ([FromForm] string userName, [FromForm] string password, [FromForm] string? returnUrl, HttpContext http, OperatorStore operators,
                SessionStore sessions, AuditLog audit, Hosting.SignInThrottle throttle) =>
            throttle.Attempt(userName ?? "") is not null ? Results.LocalRedirect("/sign-in?failed=1")
            : await SignInAsync(userName ?? "", password, http, operators, sessions, audit) is not { } op ? Results.LocalRedirect("/sign-in?failed=1")
            : op.MustChangePassword ? Results.LocalRedirect("/team")
            : Results.LocalRedirect(ReturnUrl.LocalOr(returnUrl, "/accounts")))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/auth/sign-out", async (HttpContext http, SessionStore sessions) =>
        {
            await SignOutAsync(http, sessions);
            return Results.LocalRedirect("/sign-in");
        }).ExcludeFromDescription();

        var me = app.MapGroup("/api/me").WithTags("Access");
        me.MapGet("/", (ClaimsPrincipal user) => AccessService.ViewerOf(user));
        me.MapPost("/password", async (PasswordChange change, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.ChangePasswordAsync(user, change.CurrentPassword, change.NewPassword);
            return Results.NoContent();
        });

        var admin = app.MapGroup("/api").WithTags("Access").RequireAuthorization("admin");
        admin.MapGet("/operators", (OperatorDesk desk, ClaimsPrincipal user) => desk.ListAsync(user));
        admin.MapPost("/operators", async (NewOperator request, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.CreateAsync(user, request);
            return Results.Created($"/api/operators/{request.UserName}", new { request.UserName, request.Role, request.Team });
        });
        admin.MapPost("/operators/{userName}/disable", async (string userName, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.SetDisabledAsync(user, userName, disabled: true);
            return Results.NoContent();
        });
        admin.MapPost("/operators/{userName}/enable", async (string userName, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.SetDisabledAsync(user, userName, disabled: false);
            return Results.NoContent();
        });
        admin.MapPut("/operators/{userName}/role", async (string userName, OperatorRoleChange change, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.SetRoleAsync(user, userName, change.Role, change.Team);
            return Results.NoContent();
        });
        admin.MapPost("/operators/{userName}/password", async (string userName, PasswordReset reset, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.ResetPasswordAsync(user, userName, reset.Password);
            return Results.NoContent();
        });
        admin.MapPost("/operators/{userName}/sessions/end", async (string userName, OperatorDesk desk, ClaimsPrincipal user) =>
        {
            await desk.EndSessionsAsync(user, userName);
            return Results.NoContent();
        });
        admin.MapGet("/api-keys", async (ApiKeyStore keys) => await keys.ListAsync());
        admin.MapPost("/api-keys", async (NewApiKey request, ApiKeyStore keys, EndpointDataSource endpoints, AuditLog audit, ClaimsPrincipal user) =>
        {
            var (key, token) = await keys.CreateAsync(request, AccessHosting.KnownEndpointKeys(endpoints), user.Identity!.Name!);
            await audit.WriteAsync(user.Identity.Name!, "api-key.created", key.Id, key.Name);
            return Results.Created($"/api/api-keys/{key.Id}", new { key, token }); // the only time the secret is shown
        });
        admin.MapDelete("/api-keys/{id}", async (string id, ApiKeyStore keys, AuditLog audit, ClaimsPrincipal user) =>
        {
            if (!await keys.RevokeAsync(id)) return Results.NotFound();
            await audit.WriteAsync(user.Identity!.Name!, "api-key.revoked", id);
            return Results.NoContent();
        });
        admin.MapGet("/audit", async (int? limit, string? action, AuditLog audit) => await audit.ListAsync(Math.Clamp(limit ?? 200, 1, 1000), action));
    }

    private static IResult Throttled(HttpContext http, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: $"Too many sign-in attempts for this user name; try again in {seconds} s.");
    }

    private static async Task SignOutAsync(HttpContext http, SessionStore sessions)
    {
        if (OperatorDesk.SessionOf(http.User) is { } session) await sessions.EndAsync(session);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private static async Task<OperatorView?> SignInAsync(string userName, string password, HttpContext http, OperatorStore operators, SessionStore sessions, AuditLog audit)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var (outcome, op) = await operators.SignInAsync(userName ?? "", password ?? "", address);
        var who = (userName ?? "").Length > 64 ? userName![..64] : userName ?? "";
        if (op is null)
        {
            await audit.WriteAsync(who, outcome == SignInOutcome.Locked ? "sign-in.locked" : "sign-in.failed", who, http.Connection.RemoteIpAddress?.ToString() ?? "");
            return null;
        }
        var session = await sessions.StartAsync(op.UserName, http.Connection.RemoteIpAddress?.ToString() ?? "");
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AccessHosting.PrincipalOf(op, session));
        await audit.WriteAsync(op.UserName, "sign-in", op.UserName, http.Connection.RemoteIpAddress?.ToString() ?? "");
        return op;
    }
}
