using System.Security.Claims;
using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Accounts;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;

namespace Matrix.Web.Api;

internal static class AccountEndpoints
{
    public static void MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/accounts").WithTags("Accounts");

        api.MapGet("/", async (string? personaId, AccountRole? role, AccountStatus? status, MatrixDirectory directory, AccessService access, StoreClock clock, ClaimsPrincipal user) =>
            (await access.VisibleAccountsAsync(user, await directory.AccountsAsync(personaId, role, status))).Select(a => AccountView.From(a.Id, a.Profile, a.Ledger, clock.UtcNow)));

        api.MapGet("/{id}", async (string id, MatrixDirectory directory, StoreClock clock) =>
            await FindAsync(directory, id, clock) is { } view ? Results.Ok(view) : Results.NotFound()).Scoped(ScopeKind.Account);

        api.MapPost("/", async (CreateAccountRequest request, AccountDesk desk, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            var id = await desk.CreateAccountAsync(user, request.PersonaId, request.Role, request.Status ?? AccountStatus.WarmingUp, request.Settings.ToSettings());
            return Results.Created($"/api/accounts/{id}", await FindAsync(directory, id, clock));
        }).ForManagers();

        api.MapPut("/{id}", async (string id, AccountSettingsRequest request, AccountDesk desk, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await desk.UpdateAccountAsync(user, id, request.ToSettings());
            return Results.Ok(await FindAsync(directory, id, clock));
        }).Scoped(ScopeKind.Account, manage: true);

        api.MapPost("/{id}/role", async (string id, RoleChange change, AccountDesk desk, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await desk.ChangeRoleAsync(user, [id], change.Role);
            return Results.Ok(await FindAsync(directory, id, clock));
        }).Scoped(ScopeKind.Account, manage: true);

        api.MapPost("/{id}/status", async (string id, StatusChange change, AccountDesk desk, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await desk.ChangeStatusAsync(user, id, change.Status);
            return Results.Ok(await FindAsync(directory, id, clock));
        }).Scoped(ScopeKind.Account, manage: true);

        // Moves the customers of a banned, retired or restricted account (or one whose operator left) to its siblings.
        api.MapPost("/{id}/rehome", async (string id, RehomeRequest? request, AccountDesk desk, ClaimsPrincipal user) =>
            Results.Ok(await desk.RehomeAsync(user, id, request?.OperatorLeft ?? false))).Scoped(ScopeKind.Account, manage: true);

        api.MapPost("/{id}/persona", async (string id, PersonaChange change, IGrainFactory grains, MatrixDirectory directory, AccessService access, AuditLog audit, StoreClock clock, ClaimsPrincipal user) =>
        {
            await access.PersonaFieldAsync(user, change.PersonaId, "personaId");
            await grains.Get<IAccountGrain>(id).ChangePersona(change.PersonaId, By(user));
            await audit.WriteAsync(By(user), "account.persona", id, change.PersonaId);
            return Results.Ok(await FindAsync(directory, id, clock));
        }).Scoped(ScopeKind.Account, manage: true);
    }

    private static async Task<AccountView?> FindAsync(MatrixDirectory directory, string id, StoreClock clock) =>
        (await directory.AccountsAsync(ids: [id])).FirstOrDefault() is { } a ? AccountView.From(a.Id, a.Profile, a.Ledger, clock.UtcNow) : null;

    /// <summary>Who made a change, for histories and the audit log: the operator's user name, or "key:{name}" for an API key.</summary>
    internal static string By(ClaimsPrincipal user) => AccountDesk.By(user);
}
