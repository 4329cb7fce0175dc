using System.Security.Cryptography;
using System.Text;
using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Domain.Moments;
using Matrix.Grains.Tasks;
using Matrix.Runtime;

namespace Matrix.Grains.Moments;

public sealed record PlannedPost(MomentPost Post, bool Published);

public sealed class CalendarState
{
    public CalendarRules Rules { get; set; } = new();
    public Dictionary<string, PlannedPost> Posts { get; set; } = [];
}

public interface ICalendarGrain : IGrain
{
    Task<CalendarState> Get();
    Task SetRules(CalendarRules rules);
    Task Plan(string postId, MomentPost post);
    Task Move(string postId, DateTimeOffset plannedAt);
    Task Delete(string postId);
}

/// <summary>
/// A persona's Moments calendar. Every plan and move is checked against the persona's rules first (a refused move
/// changes nothing). At a post's planned time its reminder puts one "post this" task on each sibling's queue, with
/// ids derived from (post, account), so a tick delivered twice, or after a restart, creates each task once.
/// </summary>
public sealed class CalendarGrain(IPersistentState<CalendarState> state, MatrixDirectory directory, TaskStore tasks, StoreClock clock)
    : Grain, ICalendarGrain, IRemindable
{
    private const string Prefix = "post:";

    Task<CalendarState> ICalendarGrain.Get() => Task.FromResult(state.State);

    Task ICalendarGrain.SetRules(CalendarRules rules)
    {
        DomainValidationException.ThrowIfAny([.. rules.Validate()]);
        state.State.Rules = rules;
        return state.WriteStateAsync();
    }

    async Task ICalendarGrain.Plan(string postId, MomentPost post)
    {
        if (state.State.Posts.ContainsKey(postId)) throw new DomainValidationException("id", $"post {postId} exists already");
        await SaveAsync(postId, post);
    }

    async Task ICalendarGrain.Move(string postId, DateTimeOffset plannedAt)
    {
        var planned = Existing(postId);
        if (planned.Published) throw new DomainValidationException("plannedAt", "the post went out already; plan a new one");
        await SaveAsync(postId, planned.Post with { PlannedAt = plannedAt });
    }

    async Task ICalendarGrain.Delete(string postId)
    {
        Existing(postId);
        state.State.Posts.Remove(postId);
        await UnregisterReminderAsync(Prefix + postId);
        await state.WriteStateAsync();
    }

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        var postId = name[Prefix.Length..];
        if (!state.State.Posts.TryGetValue(postId, out var planned) || planned.Published) return;
        var now = clock.UtcNow;
        foreach (var account in await SiblingsAsync(planned.Post))
            await tasks.AddAsync(new WorkTask(TaskId(postId, account), account, null, "moments", planned.Post.Text, planned.Post.PlannedAt,
                Prefix + postId, "open", null, null, null, null), now);
        state.State.Posts[postId] = planned with { Published = true };
        await state.WriteStateAsync();
    }

    private async Task SaveAsync(string postId, MomentPost post)
    {
        var others = state.State.Posts.Where(p => p.Key != postId).Select(p => p.Value.Post);
        DomainValidationException.ThrowIfAny([.. state.State.Rules.Check(post, others, clock.Zone)]);
        if (post.Siblings is { Count: > 0 } named)
        {
            var siblings = (await directory.AccountsAsync(personaId: GrainKey)).Select(a => a.Id).ToHashSet();
            if (named.FirstOrDefault(id => !siblings.Contains(id)) is { } stranger)
                throw new DomainValidationException("siblings", $"account {stranger} is not a sibling of this persona");
        }
        state.State.Posts[postId] = new PlannedPost(post, false);
        await RegisterOrUpdateReminderAsync(Prefix + postId, post.PlannedAt);
        await state.WriteStateAsync();
    }

    private PlannedPost Existing(string postId) =>
        state.State.Posts.TryGetValue(postId, out var p) ? p : throw new KeyNotFoundException($"post {postId}");

    /// <summary>The named siblings, or every account of the persona that still posts (not banned or retired).</summary>
    private async Task<IEnumerable<string>> SiblingsAsync(MomentPost post) =>
        (await directory.AccountsAsync(personaId: GrainKey))
            .Where(a => a.Profile.Status is not (AccountStatus.Banned or AccountStatus.Retired))
            .Where(a => post.Siblings is not { Count: > 0 } named || named.Contains(a.Id))
            .Select(a => a.Id);

    private static Guid TaskId(string postId, string accountId) => new(MD5.HashData(Encoding.UTF8.GetBytes($"moments\n{postId}\n{accountId}")));
}
