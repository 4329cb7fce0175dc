using System.Security.Claims;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

internal static class ChannelEndpoints
{
    public static void MapChannelApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/channels").WithTags("Channels");

        api.MapGet("/", async (AccessService access, ClaimsPrincipal user) =>
            (await access.VisibleChannelsAsync(user)).Select(c => new ChannelView(c.Id, c.Definition, LiveCodeUrl(c.Id))));

        // The channel with what the console shows of it: full or not right now, and its scans.
        api.MapGet("/{id}", async (string id, IGrainFactory grains, LiveCodeService liveCodes, CapacityLedger ledger) =>
        {
            if (await grains.Get<IChannelGrain>(id).Get() is not { } d) return Results.NotFound();
            var (scans, fullScans, lastFullAt) = await ledger.ChannelStatsAsync(id);
            return Results.Ok(new ChannelStatusView(id, d, LiveCodeUrl(id), await liveCodes.HasRoomAsync(id) == false, scans, fullScans, lastFullAt));
        }).Scoped(ScopeKind.Channel);

        api.MapPost("/", async (CreateChannelRequest request, Matrix.Web.ConsoleModel.ChannelDesk desk, ClaimsPrincipal user) =>
        {
            var definition = request.Channel.ToDefinition();
            await desk.CreateAsync(user, request.Id ?? "", definition);
            return Results.Created($"/api/channels/{request.Id}", new ChannelView(request.Id!, definition, LiveCodeUrl(request.Id!)));
        }).ForManagers();

        api.MapPut("/{id}", async (string id, ChannelRequest request, Matrix.Web.ConsoleModel.ChannelDesk desk, ClaimsPrincipal user) =>
        {
            var definition = request.ToDefinition();
            await desk.UpdateAsync(user, id, definition);
            return Results.Ok(new ChannelView(id, definition, LiveCodeUrl(id)));
        }).Scoped(ScopeKind.Channel, manage: true);
    }

    private static string LiveCodeUrl(string id) => Matrix.Web.ConsoleModel.ChannelRow.LiveCodeUrlOf(id);
}
