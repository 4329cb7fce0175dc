using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>The people who use Matrix: admins list and add them; everyone changes their own password.</summary>
public sealed class OperatorDesk(OperatorStore operators, SessionStore sessions, AuditLog audit)
{
    public Task<IReadOnlyList<OperatorView>> ListAsync(ClaimsPrincipal user)
    {
        RequireAdmin(user);
        return operators.ListAsync();
    }

    public async Task CreateAsync(ClaimsPrincipal user, NewOperator op)
    {
        RequireAdmin(user);
        await operators.CreateAsync(op, AccountDesk.By(user));
        await audit.WriteAsync(AccountDesk.By(user), "operator.created", op.UserName, $"{op.Role} {op.Team}".Trim());
    }

    /// <summary>One's own password: every other session of the operator ends (a stolen cookie stops working).</summary>
    public async Task ChangePasswordAsync(ClaimsPrincipal user, string current, string replacement)
    {
        if (AccessService.ViewerOf(user).Role is null) throw new AccessDeniedException("an API key has no password");
        await operators.ChangePasswordAsync(AccountDesk.By(user), current, replacement);
        await sessions.EndAllAsync(AccountDesk.By(user), keep: SessionOf(user));
        await audit.WriteAsync(AccountDesk.By(user), "operator.password", AccountDesk.By(user));
    }

    /// <summary>Disabled: no sign-in, every session ended (open console pages stop within seconds). Enabled: may sign in again.</summary>
    public async Task SetDisabledAsync(ClaimsPrincipal user, string userName, bool disabled)
    {
        RequireAdmin(user);
        if (disabled && userName == AccountDesk.By(user)) throw Matrix.Domain.DomainValidationException.Of("userName", Matrix.Domain.RuleKeys.SelfDisable, "an admin cannot disable themselves");
        if (!await operators.SetDisabledAsync(userName, disabled)) throw new KeyNotFoundException($"operator {userName}");
        if (disabled) await sessions.EndAllAsync(userName);
        await audit.WriteAsync(AccountDesk.By(user), disabled ? "operator.disabled" : "operator.enabled", userName);
    }

    /// <summary>A new role or team takes effect at the operator's next sign-in: their sessions end now.</summary>
    public async Task SetRoleAsync(ClaimsPrincipal user, string userName, OperatorRole role, string? team)
    {
        RequireAdmin(user);
        Matrix.Domain.DomainValidationException.ThrowIfAny([.. NewOperator.CheckRole(role, team)]);
        if (userName == AccountDesk.By(user) && role != OperatorRole.Admin) throw Matrix.Domain.DomainValidationException.Of("role", Matrix.Domain.RuleKeys.SelfDemote, "an admin cannot take away their own admin role");
        if (!await operators.SetRoleAsync(userName, role, team)) throw new KeyNotFoundException($"operator {userName}");
        await sessions.EndAllAsync(userName);
        await audit.WriteAsync(AccountDesk.By(user), "operator.role", userName, $"{role} {team}".Trim());
    }

    /// <summary>A one-time password an admin hands over: good only for setting the operator's own; their sessions end.</summary>
    public async Task ResetPasswordAsync(ClaimsPrincipal user, string userName, string password)
    {
        RequireAdmin(user);
        await operators.ResetPasswordAsync(userName, password);
        await sessions.EndAllAsync(userName);
        await audit.WriteAsync(AccountDesk.By(user), "operator.password-reset", userName);
    }

    public async Task EndSessionsAsync(ClaimsPrincipal user, string userName)
    {
        RequireAdmin(user);
        if (!(await operators.ListAsync()).Any(o => o.UserName == userName)) throw new KeyNotFoundException($"operator {userName}");
        await sessions.EndAllAsync(userName);
        await audit.WriteAsync(AccountDesk.By(user), "operator.sessions-ended", userName);
    }

    internal static Guid? SessionOf(ClaimsPrincipal user) => Guid.TryParse(user.FindFirst(AccessClaims.Session)?.Value, out var id) ? id : null;

    private static void RequireAdmin(ClaimsPrincipal user)
    {
        if (!AccessService.ViewerOf(user).IsAdmin) throw new AccessDeniedException("only an admin manages operators");
    }
}
