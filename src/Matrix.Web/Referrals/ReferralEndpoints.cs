using System.Security.Claims;

namespace Matrix.Web.Referrals;

public sealed record PosterRequest(string? InviterId);

internal static class ReferralEndpoints
{
    public static void MapReferralApi(this IEndpointRouteBuilder app)
    {
        var referrals = app.MapGroup("/api/referrals").WithTags("Referrals");

        referrals.MapGet("", (ReferralDesk desk, ClaimsPrincipal user) => desk.ListAsync(user));

        // A campaign (admins and leads): a window, the flags (newOnly, revokeOnDelete within revokeWithinDays), reward levels, the channel invitees join.
        referrals.MapPost("", async (ReferralRequest request, ReferralDesk desk, ClaimsPrincipal user) =>
        {
            var created = await desk.CreateAsync(user, request);
            return Results.Created($"/api/referrals/{created.Id}", created);
        });

        referrals.MapGet("/{id}", (string id, ReferralDesk desk, ClaimsPrincipal user) => desk.GetAsync(user, id));

        // An inviter's poster: its landing page's path and the state an add from it carries (the same on every call).
        referrals.MapPost("/{id}/posters", (string id, PosterRequest request, ReferralDesk desk, ClaimsPrincipal user) => desk.PosterAsync(user, id, request.InviterId));

        referrals.MapGet("/{id}/leaderboard", (string id, ReferralDesk desk, ClaimsPrincipal user) => desk.LeaderboardAsync(user, id));

        // What an inviter brought: each arrival and what came of it (credited, or why not; revoked, and why), their rewards.
        referrals.MapGet("/{id}/inviters/{inviterId}", (string id, string inviterId, ReferralDesk desk, ClaimsPrincipal user) => desk.InviterAsync(user, id, inviterId));

        referrals.MapGet("/{id}/rewards", (string id, bool? pending, ReferralDesk desk, ClaimsPrincipal user) => desk.RewardsAsync(user, id, pending ?? false));

        // The reward with this code was handed out (the first marking stands).
        referrals.MapPost("/{id}/rewards/{code}/redeem", (string id, string code, ReferralDesk desk, ClaimsPrincipal user) => desk.RedeemAsync(user, id, code));

        // Invitees, new to the matrix or not, credited and revoked, still friends after 7 days, rewards and their cost per new customer.
        referrals.MapGet("/{id}/report", (string id, ReferralDesk desk, ClaimsPrincipal user) => desk.ReportAsync(user, id));
    }
}
