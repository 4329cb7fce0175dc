using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Web.Access;

namespace Matrix.Web.Tests;

/// <summary>A signed-in person as the desks see one (the claims the cookie carries), for tests that call desks directly.</summary>
public static class People
{
    public static ClaimsPrincipal Signed(string name, OperatorRole role, string? team) =>
        new(new ClaimsIdentity([new(ClaimTypes.Name, name), new(ClaimTypes.Role, role.ToString()), .. team is null ? Array.Empty<Claim>() : [new Claim(AccessClaims.Team, team)]], "test"));
}
