using System.Security.Claims;
using Matrix.Domain.Moments;
using Matrix.Grains.Moments;
using Matrix.Grains;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>A post on the scheduler: its planned time and a nominal length (Moments posts have none; 30 minutes reads well).</summary>
public sealed record PostItem(string Id, string Text, PostCategory Category, bool Published, DateTime Start)
{
    public DateTime End => Start.AddMinutes(30);
}

/// <summary>A persona's Moments calendar for the console: read by whoever sees the persona, changed by its managers.</summary>
public sealed class CalendarDesk(IGrainFactory grains, AccessService access, Matrix.Grains.StoreClock clock)
{
    public async Task<IReadOnlyList<PostItem>> PostsAsync(ClaimsPrincipal user, string personaId)
    {
        await access.PersonaAsync(user, personaId);
        var state = await grains.Get<ICalendarGrain>(personaId).Get();
        return [.. state.Posts.Select(p => new PostItem(p.Key, p.Value.Post.Text, p.Value.Post.Category, p.Value.Published,
            TimeZoneInfo.ConvertTime(p.Value.Post.PlannedAt, clock.Zone).DateTime)).OrderBy(p => p.Start)];
    }

    /// <summary>Moves a post to a store-local time; the persona's rules may refuse it (and then nothing changes).</summary>
    public async Task MoveAsync(ClaimsPrincipal user, string personaId, string postId, DateTime localStart)
    {
        await access.PersonaAsync(user, personaId, manage: true);
        await grains.Get<ICalendarGrain>(personaId).Move(postId, StoreTime(localStart));
    }

    public async Task PlanAsync(ClaimsPrincipal user, string personaId, MomentPost post)
    {
        await access.PersonaAsync(user, personaId, manage: true);
        await grains.Get<ICalendarGrain>(personaId).Plan(AccountDesk.NewId("post"), post);
    }

    /// <summary>
    /// A wall-clock time in the store's zone, whatever kind the scheduler gave it: a drag on a server whose own zone is
    /// UTC hands over a "local" DateTime, which DateTimeOffset refuses to pair with the store's offset.
    /// </summary>
    public DateTimeOffset StoreTime(DateTime local)
    {
        var wall = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new(wall, clock.Zone.GetUtcOffset(wall));
    }
}
