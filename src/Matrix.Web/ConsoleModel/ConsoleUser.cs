using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Web.Access;
using Microsoft.AspNetCore.Components.Authorization;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// Who is using this page: the cookie's user, read once per circuit. Pages hand it to the same access checks the
/// API uses, so the console never shows or changes more than the signed-in person may.
/// </summary>
public sealed class ConsoleUser(AuthenticationStateProvider auth)
{
    public async Task<ClaimsPrincipal> PrincipalAsync() => (await auth.GetAuthenticationStateAsync()).User;

    public async Task<Viewer> ViewerAsync() => AccessService.ViewerOf(await PrincipalAsync());

    /// <summary>The name histories and the audit log record for a change made in the console.</summary>
    public async Task<string> NameAsync() => (await PrincipalAsync()).Identity?.Name ?? "unknown";
}
