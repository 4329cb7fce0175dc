using System.Security.Claims;
using Matrix.Grains.Personas;
using Matrix.Grains;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;

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

        api.MapPost("/", async (PersonaRequest request, AccountDesk desk, ClaimsPrincipal user) =>
        {
            var (id, details) = await desk.CreatePersonaAsync(user, request.ToDetails());
            return Results.Created($"/api/personas/{id}", PersonaView.From(id, details));
        }).ForManagers();

        api.MapPut("/{id}", async (string id, PersonaRequest request, AccountDesk desk, ClaimsPrincipal user) =>
            Results.Ok(PersonaView.From(id, await desk.UpdatePersonaAsync(user, id, request.ToDetails())))).Scoped(ScopeKind.Persona, manage: true);
    }
}

