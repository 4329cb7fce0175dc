using System.Security.Claims;
using Matrix.Grains.Personas;
using Matrix.Runtime;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

internal static class PersonaEndpoints
{
    public static void MapPersonaApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/personas").WithTags("Personas");

        api.MapGet("/", async (AccessService access, ClaimsPrincipal user) =>
            (await access.VisiblePersonasAsync(user)).Select(p => PersonaView.From(p.Id, p.Details)));

        api.MapGet("/{id}", async (string id, IGrainFactory grains) =>
            await grains.Get<IPersonaGrain>(id).Get() is { } d ? Results.Ok(PersonaView.From(id, d)) : Results.NotFound()).Scoped(ScopeKind.Persona);

        api.MapPost("/", async (PersonaRequest request, IGrainFactory grains, ClaimsPrincipal user) =>
        {
            var id = Matrix.Web.ConsoleModel.AccountDesk.NewId("p");
            var details = request.ToDetails() with { Team = AccessService.TeamForNew(user, request.Team) };
            await grains.Get<IPersonaGrain>(id).Create(details);
            return Results.Created($"/api/personas/{id}", PersonaView.From(id, details));
        }).ForManagers();

        api.MapPut("/{id}", async (string id, PersonaRequest request, IGrainFactory grains, ClaimsPrincipal user) =>
        {
            // Leaving the team out keeps it; naming one moves the persona (a lead only into their own team).
            var team = request.Team is null ? (await grains.Get<IPersonaGrain>(id).Get())?.Team : AccessService.TeamForNew(user, request.Team);
            var details = request.ToDetails() with { Team = team };
            await grains.Get<IPersonaGrain>(id).Update(details);
            return Results.Ok(PersonaView.From(id, details));
        }).Scoped(ScopeKind.Persona, manage: true);
    }
}

