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

        // The accounts the caller sees, by id, a page at a time (limit, default 100, at most 1,000). When more follow,
        // the X-Next-Cursor header holds the last id of this page: send it back as ?cursor= for the next.
        api.MapGet("/", async (string? personaId, AccountRole? role, AccountStatus? status, int? limit, string? cursor, MatrixDirectory directory,
            AccessService access, StoreClock clock, HttpResponse response, ClaimsPrincipal user) =>
        {
            if (limit is < 1 or > 1_000) throw new Matrix.Domain.DomainValidationException("limit", "must be between 1 and 1000");
            var take = limit ?? 100;
            var page = (await access.VisibleAccountsAsync(user, await directory.AccountsAsync(personaId, role, status)))
                .Where(a => cursor is null || string.CompareOrdinal(a.Id, cursor) > 0).OrderBy(a => a.Id, StringComparer.Ordinal).Take(take + 1).ToList();
            if (page.Count > take)
            {
                page.RemoveAt(take);
                response.Headers["X-Next-Cursor"] = page[^1].Id;
            }
            return page.Select(a => AccountView.From(a.Id, a.Profile, a.Ledger, clock.UtcNow));
        });

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

        // Moves the customers of a banned, retired or restricted account (or one whose operator left) to its siblings;
        // a WeCom account's moves go to WeCom's transfer API at once (the sweep retries what WeCom did not take).
        api.MapPost("/{id}/rehome", async (string id, RehomeRequest? request, AccountDesk desk, Matrix.Web.WeCom.WeComTransfers transfers, ClaimsPrincipal user) =>
        {
            var planned = await desk.RehomeAsync(user, id, request?.OperatorLeft ?? false);
            await transfers.SubmitAsync();
            return Results.Ok(planned);
        }).Scoped(ScopeKind.Account, manage: true);

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
