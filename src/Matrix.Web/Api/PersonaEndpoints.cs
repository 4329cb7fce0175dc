using Matrix.Grains;
using Matrix.Grains.Personas;
using Matrix.Runtime;

namespace Matrix.Web.Api;

internal static class PersonaEndpoints
{
    public static void MapPersonaApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/personas").WithTags("Personas");

        api.MapGet("/", async (MatrixDirectory directory) =>
            (await directory.PersonasAsync()).Select(p => PersonaView.From(p.Id, p.Details)));

        api.MapGet("/{id}", async (string id, IGrainFactory grains) =>
            await grains.Get<IPersonaGrain>(id).Get() is { } d ? Results.Ok(PersonaView.From(id, d)) : Results.NotFound());

        api.MapPost("/", async (PersonaRequest request, IGrainFactory grains) =>
        {
            var id = Ids.New("p");
            var details = request.ToDetails();
            await grains.Get<IPersonaGrain>(id).Create(details);
            return Results.Created($"/api/personas/{id}", PersonaView.From(id, details));
        });

        api.MapPut("/{id}", async (string id, PersonaRequest request, IGrainFactory grains) =>
        {
            var details = request.ToDetails();
            await grains.Get<IPersonaGrain>(id).Update(details);
            return Results.Ok(PersonaView.From(id, details));
        });
    }
}

internal static class Ids
{
    /// <summary>Short random ids ("a-3f9c2d1e"): readable in URLs and logs, no coordination between nodes.</summary>
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
