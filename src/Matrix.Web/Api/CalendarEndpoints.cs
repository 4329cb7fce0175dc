using Matrix.Domain;
using Matrix.Domain.Moments;
using Matrix.Grains;
using Matrix.Grains.Moments;
using Matrix.Grains.Personas;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Api;

public sealed record MoveRequest(DateTimeOffset PlannedAt);

/// <summary>Duplicate a post to another day, at the same store-local time.</summary>
public sealed record DuplicateRequest(DateOnly Date);

/// <summary>A sibling's copy of a post: open, done, skipped, or late (open past the grace time).</summary>
public sealed record PostCopy(string AccountId, string Status);

public sealed record CalendarPostView(string Id, MomentPost Post, bool Published, IReadOnlyList<PostCopy> Copies);

internal static class CalendarEndpoints
{
    public static void MapCalendarApi(this IEndpointRouteBuilder app)
    {
        // Who sees the persona sees its calendar; its team lead (or an admin) plans it.
        var api = app.MapGroup("/api/personas/{id}").WithTags("Moments calendar").Scoped(ScopeKind.Persona);

        api.MapGet("/calendar", async (string id, DateTimeOffset? from, DateTimeOffset? to, IGrainFactory grains, TaskStore tasks, StoreClock clock, IOptions<MatrixOptions> options) =>
        {
            await RequirePersonaAsync(grains, id);
            var calendar = await grains.Get<ICalendarGrain>(id).Get();
            var views = new List<CalendarPostView>();
            foreach (var (postId, planned) in calendar.Posts.Where(p => (from is null || p.Value.Post.PlannedAt >= from) && (to is null || p.Value.Post.PlannedAt < to)).OrderBy(p => p.Value.Post.PlannedAt))
            {
                var copies = (await tasks.ByOriginAsync($"post:{postId}"))
                    .Select(t => new PostCopy(t.AccountId, PostCopies.Status(t, clock.UtcNow, options.Value.MomentsGrace))).ToList();
                views.Add(new(postId, planned.Post, planned.Published, copies));
            }
            return Results.Ok(new { rules = calendar.Rules, posts = views });
        });

        api.MapPut("/calendar/rules", async (string id, CalendarRules rules, IGrainFactory grains) =>
        {
            await RequirePersonaAsync(grains, id);
            await grains.Get<ICalendarGrain>(id).SetRules(rules);
            return Results.Ok(rules);
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapPost("/posts", async (string id, MomentPost post, IGrainFactory grains) =>
        {
            await RequirePersonaAsync(grains, id);
            var postId = Matrix.Web.ConsoleModel.AccountDesk.NewId("post");
            await grains.Get<ICalendarGrain>(id).Plan(postId, post);
            return Results.Created($"/api/personas/{id}/calendar", new { id = postId, post });
        }).Scoped(ScopeKind.Persona, manage: true);

        // Moving reschedules the post for every sibling; a move that breaks a rule is refused and changes nothing.
        api.MapPost("/posts/{postId}/move", async (string id, string postId, MoveRequest move, IGrainFactory grains) =>
        {
            await grains.Get<ICalendarGrain>(id).Move(postId, move.PlannedAt);
            return Results.Ok(new { id = postId, move.PlannedAt });
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapPut("/posts/{postId}", async (string id, string postId, MomentPost post, IGrainFactory grains) =>
        {
            await grains.Get<ICalendarGrain>(id).Edit(postId, post);
            return Results.Ok(new { id = postId, post });
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapPost("/posts/{postId}/duplicate", async (string id, string postId, DuplicateRequest request, IGrainFactory grains, StoreClock clock) =>
        {
            var calendar = grains.Get<ICalendarGrain>(id);
            var source = (await calendar.Get()).Posts.GetValueOrDefault(postId) ?? throw new KeyNotFoundException($"post {postId}");
            var copy = source.Post with { PlannedAt = PostTemplate.SameTimeOn(source.Post.PlannedAt, request.Date, clock.Zone) };
            var copyId = Matrix.Web.ConsoleModel.AccountDesk.NewId("post");
            await calendar.Plan(copyId, copy);
            return Results.Created($"/api/personas/{id}/calendar", new { id = copyId, post = copy });
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapDelete("/posts/{postId}", async (string id, string postId, IGrainFactory grains) =>
        {
            await grains.Get<ICalendarGrain>(id).Delete(postId);
            return Results.NoContent();
        }).Scoped(ScopeKind.Persona, manage: true);

        // Subscribe from any calendar app to see the persona's plan.
        api.MapGet("/calendar.ics", async (string id, IGrainFactory grains, StoreClock clock) =>
        {
            var persona = await grains.Get<IPersonaGrain>(id).Get() ?? throw new KeyNotFoundException($"persona {id}");
            var calendar = await grains.Get<ICalendarGrain>(id).Get();
            var ics = IcsWriter.Write(id, persona.Nickname, calendar.Posts.OrderBy(p => p.Value.Post.PlannedAt).Select(p => (p.Key, p.Value.Post)), clock.UtcNow);
            return Results.Text(ics, "text/calendar; charset=utf-8");
        });
    }

    internal static async Task RequirePersonaAsync(IGrainFactory grains, string id)
    {
        if (await grains.Get<IPersonaGrain>(id).Get() is null) throw new KeyNotFoundException($"persona {id}");
    }
}
