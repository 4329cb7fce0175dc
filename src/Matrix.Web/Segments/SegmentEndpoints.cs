using System.Security.Claims;
using Matrix.Domain;

namespace Matrix.Web.Segments;

public sealed record SegmentPreviewRequest(Domain.Segments.SegmentPredicate? Predicate);

public sealed record SegmentMember(string CustomerId, DateTimeOffset EnteredAt, string Reason);

internal static class SegmentEndpoints
{
    public static void MapSegmentApi(this IEndpointRouteBuilder app)
    {
        var segments = app.MapGroup("/api/segments").WithTags("Segments");

        // The segments the reader sees, each with its members among the reader's customers and when they were counted.
        segments.MapGet("", (SegmentDesk desk, ClaimsPrincipal user) => desk.ListAsync(user));

        // A predicate's count and first 20 customers now, without saving it: the builder's live count.
        segments.MapPost("/preview", (SegmentPreviewRequest request, SegmentDesk desk, ClaimsPrincipal user) => desk.PreviewAsync(user, request.Predicate));

        // A new segment (admins and leads; a lead's belongs to their team); its members are counted in the background.
        segments.MapPost("", async (SegmentRequest request, SegmentDesk desk, ClaimsPrincipal user) =>
        {
            var saved = await desk.SaveAsync(user, null, request);
            return Results.Created($"/api/segments/{saved.Id}", saved);
        });

        segments.MapGet("/{id}", (string id, SegmentDesk desk, ClaimsPrincipal user) => desk.GetAsync(user, id));

        // A changed predicate is a new version: counted again in full, a count of the old version abandoned.
        segments.MapPut("/{id}", (string id, SegmentRequest request, SegmentDesk desk, ClaimsPrincipal user) => desk.SaveAsync(user, id, request));

        segments.MapDelete("/{id}", async (string id, SegmentDesk desk, ClaimsPrincipal user) =>
        {
            await desk.DeleteAsync(user, id);
            return Results.NoContent();
        });

        // Members among the reader's customers, by customer id, a page after ?after= (limit default 100, at most 1,000).
        segments.MapGet("/{id}/members", async (string id, string? after, int? limit, SegmentDesk desk, ClaimsPrincipal user) =>
        {
            if (limit is < 1 or > 1_000) throw DomainValidationException.Of("limit", RuleKeys.Between, "must be between {0} and {1}", 1, 1000);
            return (await desk.MembersAsync(user, id, after, limit ?? 100)).Select(m => new SegmentMember(m.CustomerId, m.EnteredAt, m.Reason));
        });

        // A customer's entries into and exits from the segments the reader sees, newest first, with why.
        app.MapGet("/api/customers/{id}/segments", (string id, SegmentDesk desk, ClaimsPrincipal user) => desk.HistoryAsync(user, id)).WithTags("Segments");
    }
}
