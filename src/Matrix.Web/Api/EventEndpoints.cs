using System.Security.Claims;
using Matrix.Grains.Capacity;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

internal static class EventEndpoints
{
    public static void MapEventApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/events").WithTags("Events");

        // Sent by the operator's "confirm" button or an integration once the customer really added the account.
        api.MapPost("/friend-added", async (FriendAddedEvent e, FriendEventService events, AccessService access, ClaimsPrincipal user) => await access.EventAccountAsync(user, e.AccountId) ? await events.AddedAsync(e) switch
        {
            FriendAddOutcome.UnknownAccount => Results.NotFound(),
            FriendAddOutcome.Full => Results.Problem(statusCode: 409, title: "The account is at its hard cap; the add was not counted."),
            var outcome => Results.Ok(new FriendEventResult(Kebab(outcome.ToString()))),
        } : Results.NotFound());

        api.MapPost("/friend-deleted", async (FriendDeletedEvent e, FriendEventService events, AccessService access, ClaimsPrincipal user) => await access.EventAccountAsync(user, e.AccountId) ? await events.DeletedAsync(e) switch
        {
            FriendRemoveOutcome.UnknownAccount => Results.NotFound(),
            var outcome => Results.Ok(new FriendEventResult(Kebab(outcome.ToString()))),
        } : Results.NotFound());
    }

    private static string Kebab(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));
}
