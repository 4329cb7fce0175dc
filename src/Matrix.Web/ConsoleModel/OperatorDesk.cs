using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>The people who use Matrix: admins list and add them; everyone changes their own password.</summary>
public sealed class OperatorDesk(OperatorStore operators, AuditLog audit)
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

    public async Task ChangePasswordAsync(ClaimsPrincipal user, string current, string replacement)
    {
        if (AccessService.ViewerOf(user).Role is null) throw new AccessDeniedException("an API key has no password");
        await operators.ChangePasswordAsync(AccountDesk.By(user), current, replacement);
        await audit.WriteAsync(AccountDesk.By(user), "operator.password", AccountDesk.By(user));
    }

    private static void RequireAdmin(ClaimsPrincipal user)
    {
        if (!AccessService.ViewerOf(user).IsAdmin) throw new AccessDeniedException("only an admin manages operators");
    }
}
