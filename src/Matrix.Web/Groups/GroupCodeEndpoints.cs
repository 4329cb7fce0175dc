using System.Security.Claims;

namespace Matrix.Web.Groups;

internal static class GroupCodeEndpoints
{
    public static void MapGroupCodeApi(this IEndpointRouteBuilder app)
    {
        var codes = app.MapGroup("/api/group-codes").WithTags("Group codes");

        codes.MapGet("", (GroupCodeDesk desk, ClaimsPrincipal user) => desk.ListAsync(user));

        // A persona's group code (admins and the persona's lead); its page is /g/{id}.
        codes.MapPost("", async (GroupCodeRequest request, GroupCodeDesk desk, ClaimsPrincipal user) =>
        {
            var created = await desk.CreateAsync(user, request);
            return Results.Created($"/api/group-codes/{created.Id}", created);
        });

        codes.MapGet("/{id}", (string id, GroupCodeDesk desk, ClaimsPrincipal user) => desk.GetAsync(user, id));

        // Which group was linked when, images uploaded, members reported, groups closed; newest first.
        codes.MapGet("/{id}/history", (string id, GroupCodeDesk desk, ClaimsPrincipal user) => desk.HistoryAsync(user, id));

        // The code as a WeCom join way: {corpId, autoCreateRoom (required: WeCom's default is on), roomBaseName, roomBaseId, capacity, softFull, chatIds}.
        codes.MapPut("/{id}/join-way", (string id, JoinWayRequest request, GroupCodeDesk desk, ClaimsPrincipal user) => desk.SetJoinWayAsync(user, id, request));

        // A WeCom code's groups counted from WeCom now, and its join way's list synced.
        codes.MapPost("/{id}/count", (string id, GroupCodeDesk desk, ClaimsPrincipal user) => desk.RecountAsync(user, id));

        // A group after the code's others: kind WeChat (capacity up to 200) or WeCom (500), softFull where scans stop.
        codes.MapPost("/{id}/groups", (string id, GroupRequest request, GroupCodeDesk desk, ClaimsPrincipal user) => desk.AddGroupAsync(user, id, request));

        // The group's QR image, uploaded now (an http(s) or data:image URL): WeChat makes it stop working after 7 days.
        codes.MapPut("/{id}/groups/{groupId}/image", (string id, string groupId, GroupImageRequest request, GroupCodeDesk desk, ClaimsPrincipal user) =>
            desk.SetImageAsync(user, id, groupId, request.ImageUrl));

        // What an operator saw: {"members": n} as counted on the phone (0 to its capacity), or {"joined": k} people added by hand.
        codes.MapPost("/{id}/groups/{groupId}/members", (string id, string groupId, GroupMembersRequest request, GroupCodeDesk desk, ClaimsPrincipal user) =>
            desk.ReportMembersAsync(user, id, groupId, request));

        codes.MapPost("/{id}/groups/{groupId}/close", (string id, string groupId, GroupCodeDesk desk, ClaimsPrincipal user) => desk.CloseAsync(user, id, groupId));
    }
}
