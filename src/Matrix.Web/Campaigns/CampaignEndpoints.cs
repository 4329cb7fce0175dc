using System.Security.Claims;

namespace Matrix.Web.Campaigns;

internal static class CampaignEndpoints
{
    public static void MapCampaignApi(this IEndpointRouteBuilder app)
    {
        var campaigns = app.MapGroup("/api/campaigns").WithTags("Campaigns");

        // The campaigns the reader sees, newest first, with their progress.
        campaigns.MapGet("", (CampaignDesk desk, ClaimsPrincipal user) => desk.ListAsync(user));

        // Who an occurrence to a segment would reach now (count, first 20), before a campaign is created.
        campaigns.MapGet("/audience", (string? segmentId, CampaignDesk desk, ClaimsPrincipal user) => desk.AudienceAsync(user, segmentId));

        // A campaign (admins and leads): once (at schedule.at, or now) or weekly (schedule.day, schedule.time, until schedule.endsOn).
        campaigns.MapPost("", async (CampaignRequest request, CampaignDesk desk, ClaimsPrincipal user) =>
        {
            var created = await desk.CreateAsync(user, request);
            return Results.Created($"/api/campaigns/{created.Id}", created);
        });

        campaigns.MapGet("/{id}", (string id, CampaignDesk desk, ClaimsPrincipal user) => desk.GetAsync(user, id));

        // No further occurrence; recipients not yet placed are skipped as cancelled (messages already on queues stay).
        campaigns.MapPost("/{id}/cancel", (string id, CampaignDesk desk, ClaimsPrincipal user) => desk.CancelAsync(user, id));

        // Per sending account: recipients, placed, deferred, skipped (and why), sent, replies within 72 h, deletions within 48 h, purchases attributed.
        campaigns.MapGet("/{id}/results", (string id, CampaignDesk desk, ClaimsPrincipal user) => desk.ResultsAsync(user, id));
    }
}
