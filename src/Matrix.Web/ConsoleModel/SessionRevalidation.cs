using System.Security.Claims;
using Matrix.Web.Access;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// An open console tab keeps the identity it started with for as long as its circuit lives; this checks the circuit's
/// session every few seconds, so a tab whose session was ended (sign-out elsewhere, a password change, an admin
/// disabling the operator) loses its pages within seconds: the router shows the signed-out notice instead.
/// </summary>
internal sealed class SessionRevalidation(ILoggerFactory loggers, SessionStore sessions) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => SessionStore.CheckEvery;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken) =>
        OperatorDesk.SessionOf(state.User) is { } session && await sessions.StateAsync(session) != SessionState.Ended;
}
