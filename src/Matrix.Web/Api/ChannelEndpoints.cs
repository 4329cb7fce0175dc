using Matrix.Domain;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Matrix.Runtime;

namespace Matrix.Web.Api;

internal static class ChannelEndpoints
{
    public static void MapChannelApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/channels").WithTags("Channels");

        api.MapGet("/", async (MatrixDirectory directory) =>
            (await directory.ChannelsAsync()).Select(c => new ChannelView(c.Id, c.Definition, LiveCodeUrl(c.Id))));

        // The channel with what the console shows of it: full or not right now, and its scans.
        api.MapGet("/{id}", async (string id, IGrainFactory grains, LiveCodeService liveCodes, CapacityLedger ledger) =>
        {
            if (await grains.Get<IChannelGrain>(id).Get() is not { } d) return Results.NotFound();
            var (scans, fullScans, lastFullAt) = await ledger.ChannelStatsAsync(id);
            return Results.Ok(new ChannelStatusView(id, d, LiveCodeUrl(id), await liveCodes.HasRoomAsync(id) == false, scans, fullScans, lastFullAt));
        });

        api.MapPost("/", async (CreateChannelRequest request, IGrainFactory grains) =>
        {
            var definition = request.Channel.ToDefinition();
            await RequirePoolAsync(grains, definition);
            await grains.Get<IChannelGrain>(request.Id ?? "").Create(definition);
            return Results.Created($"/api/channels/{request.Id}", new ChannelView(request.Id!, definition, LiveCodeUrl(request.Id!)));
        });

        api.MapPut("/{id}", async (string id, ChannelRequest request, IGrainFactory grains) =>
        {
            var definition = request.ToDefinition();
            await RequirePoolAsync(grains, definition);
            await grains.Get<IChannelGrain>(id).Update(definition);
            return Results.Ok(new ChannelView(id, definition, LiveCodeUrl(id)));
        });
    }

    private static string LiveCodeUrl(string id) => $"/c/{Uri.EscapeDataString(id)}";

    private static async Task RequirePoolAsync(IGrainFactory grains, Matrix.Domain.Channels.ChannelDefinition definition)
    {
        if (definition.PersonaId is { Length: > 0 } personaId && await grains.Get<IPersonaGrain>(personaId).Get() is null)
            throw new DomainValidationException("personaId", $"no persona '{personaId}'");
    }
}
