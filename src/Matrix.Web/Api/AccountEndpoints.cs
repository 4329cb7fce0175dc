using System.Security.Claims;
using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Accounts;
using Matrix.Grains.Personas;
using Matrix.Runtime;

namespace Matrix.Web.Api;

internal static class AccountEndpoints
{
    public static void MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/accounts").WithTags("Accounts");

        api.MapGet("/", async (string? personaId, AccountRole? role, AccountStatus? status, MatrixDirectory directory, StoreClock clock) =>
            (await directory.AccountsAsync(personaId, role, status)).Select(a => AccountView.From(a.Id, a.Profile, a.Ledger, clock.UtcNow)));

        api.MapGet("/{id}", async (string id, MatrixDirectory directory, StoreClock clock) =>
            await FindAsync(directory, id, clock) is { } view ? Results.Ok(view) : Results.NotFound());

        api.MapPost("/", async (CreateAccountRequest request, IGrainFactory grains, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await RequirePersonaAsync(grains, request.PersonaId);
            var id = Ids.New("a");
            await grains.Get<IAccountGrain>(id).Create(request.Settings.ToSettings(), request.PersonaId, request.Role, request.Status ?? AccountStatus.WarmingUp, By(user));
            return Results.Created($"/api/accounts/{id}", await FindAsync(directory, id, clock));
        });

        api.MapPut("/{id}", async (string id, AccountSettingsRequest request, IGrainFactory grains, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await grains.Get<IAccountGrain>(id).Update(request.ToSettings(), By(user));
            return Results.Ok(await FindAsync(directory, id, clock));
        });

        api.MapPost("/{id}/role", async (string id, RoleChange change, IGrainFactory grains, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await grains.Get<IAccountGrain>(id).ChangeRole(change.Role, By(user));
            return Results.Ok(await FindAsync(directory, id, clock));
        });

        api.MapPost("/{id}/status", async (string id, StatusChange change, IGrainFactory grains, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await grains.Get<IAccountGrain>(id).ChangeStatus(change.Status, By(user));
            return Results.Ok(await FindAsync(directory, id, clock));
        });

        // Moves the customers of a banned, retired or restricted account (or one whose operator left) to its siblings.
        api.MapPost("/{id}/rehome", async (string id, RehomeRequest? request, RehomeService rehome) =>
            Results.Ok(await rehome.PlanAsync(id, request?.OperatorLeft ?? false)));

        api.MapPost("/{id}/persona", async (string id, PersonaChange change, IGrainFactory grains, MatrixDirectory directory, StoreClock clock, ClaimsPrincipal user) =>
        {
            await RequirePersonaAsync(grains, change.PersonaId);
            await grains.Get<IAccountGrain>(id).ChangePersona(change.PersonaId, By(user));
            return Results.Ok(await FindAsync(directory, id, clock));
        });
    }

    private static async Task<AccountView?> FindAsync(MatrixDirectory directory, string id, StoreClock clock) =>
        (await directory.AccountsAsync(ids: [id])).FirstOrDefault() is { } a ? AccountView.From(a.Id, a.Profile, a.Ledger, clock.UtcNow) : null;

    private static async Task RequirePersonaAsync(IGrainFactory grains, string? personaId)
    {
        if (string.IsNullOrWhiteSpace(personaId) || await grains.Get<IPersonaGrain>(personaId).Get() is null)
            throw new DomainValidationException("personaId", $"no persona '{personaId}'");
    }

    // Until sign-in exists (issue 7) changes are recorded as made through the API.
    internal static string By(ClaimsPrincipal user) => user.Identity?.Name ?? "api";
}
