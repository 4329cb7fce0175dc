using System.Security.Cryptography;
using System.Text;
using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Domain.Moments;
using Matrix.Grains.Tasks;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.Moments;

public sealed record PlannedPost(MomentPost Post, bool Published);

/// <summary>A post to plan in a batch; <paramref name="Field"/> prefixes its errors so the caller can tell which one broke a rule.</summary>
public sealed record NewPost(string Id, MomentPost Post, string Field);

public sealed class CalendarState
{
    public CalendarRules Rules { get; set; } = new();
    public Dictionary<string, PlannedPost> Posts { get; set; } = [];
}

public interface ICalendarGrain : IGrainWithStringKey
{
    Task<CalendarState> Get();
    Task SetRules(CalendarRules rules);
    Task Plan(string postId, MomentPost post);

    /// <summary>Plans every post or none: each is checked against the calendar and the batch's earlier posts.</summary>
    Task PlanAll(IReadOnlyList<NewPost> posts);

    /// <summary>Replaces a post that has not gone out yet (content, time, siblings), under the same rules.</summary>
    Task Edit(string postId, MomentPost post);

    Task Move(string postId, DateTimeOffset plannedAt);
    Task Delete(string postId);
}

/// <summary>
/// A persona's Moments calendar. Every plan and move is checked against the persona's rules first (a refused move
/// changes nothing). At a post's planned time its reminder puts one "post this" task on each sibling's queue, with
/// ids derived from (post, account), so a tick delivered twice, or after a restart, creates each task once.
/// </summary>
public sealed class CalendarGrain([PersistentState("calendar", StorageHosting.GrainStore)] IPersistentState<CalendarState> state, MatrixDirectory directory, TaskStore tasks, StoreClock clock,
    Microsoft.Extensions.Options.IOptions<MatrixOptions> options, TickGate gate)
    : MatrixGrain, ICalendarGrain, IRemindable
{
    private const string Prefix = "post:";

    Task<CalendarState> ICalendarGrain.Get() => Task.FromResult(state.State);

    async Task ICalendarGrain.SetRules(CalendarRules rules)
    {
        DomainValidationException.ThrowIfAny([.. rules.Validate()]);
        state.State.Rules = rules;
        await SaveAsync(state);
    }

    Task ICalendarGrain.Plan(string postId, MomentPost post) => ((ICalendarGrain)this).PlanAll([new(postId, post, "")]);

    async Task ICalendarGrain.PlanAll(IReadOnlyList<NewPost> posts)
    {
        if (posts.FirstOrDefault(p => state.State.Posts.ContainsKey(p.Id)) is { } taken)
            throw DomainValidationException.Of("id", RuleKeys.Exists, "{0} exists already", taken.Id);
        await SaveAsync(posts);
    }

    Task ICalendarGrain.Edit(string postId, MomentPost post) => SaveAsync([new(Unpublished(postId, "text"), post, "")]);

    Task ICalendarGrain.Move(string postId, DateTimeOffset plannedAt) =>
        SaveAsync([new(Unpublished(postId, "plannedAt"), Existing(postId).Post with { PlannedAt = plannedAt }, "")]);

    async Task ICalendarGrain.Delete(string postId)
    {
        Existing(postId);
        state.State.Posts.Remove(postId);
        await SaveAsync(state);
        await CancelWakeAsync(Prefix + postId);
    }

    // As a customer's tick: the call returns at once, the copies are made in a turn of their own behind the TickGate.
    Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        RunSoon(() => gate.RunAsync(() => PublishAsync(name)));
        return Task.CompletedTask;
    }

    private async Task PublishAsync(string name)
    {
        var postId = name[Prefix.Length..];
        if (!state.State.Posts.TryGetValue(postId, out var planned) || planned.Published)
        {
            await CancelWakeAsync(name); // deleted, or a redelivery of a tick already handled
            return;
        }
        var now = clock.UtcNow;
        if (planned.Post.PlannedAt > now + MatrixGrain.ReminderPeriod)
        {
            await WakeAtAsync(name, planned.Post.PlannedAt); // a tick from before the post was moved later
            return;
        }
        foreach (var account in await SiblingsAsync(planned.Post))
            await tasks.AddAsync(new WorkTask(CopyId(postId, account), account, null, "moments", planned.Post.Text, planned.Post.PlannedAt,
                Prefix + postId, "open", null, null, null, null) { Category = planned.Post.Category.ToString() }, now);
        state.State.Posts[postId] = planned with { Published = true };
        await SaveAsync(state);
        await CancelWakeAsync(name);
    }

    /// <summary>Checks the whole batch before touching anything, so a refused plan, edit or move changes nothing.</summary>
    private async Task SaveAsync(IReadOnlyList<NewPost> batch)
    {
        var ids = batch.Select(p => p.Id).ToHashSet();
        var calendar = state.State.Posts.Where(p => !ids.Contains(p.Key)).Select(p => p.Value.Post).ToList();
        var errors = new List<FieldError>();
        var siblings = (await directory.AccountsAsync(personaId: GrainKey)).Select(a => a.Id).ToHashSet();
        foreach (var (_, post, field) in batch)
        {
            if (options.Value.Times.Planned(Prefixed(field, "plannedAt"), post.PlannedAt, clock.UtcNow) is { } badTime)
            {
                errors.Add(badTime);
                continue;
            }
            errors.AddRange(state.State.Rules.Check(post, calendar, clock.Zone).Select(e => e with { Field = Prefixed(field, e.Field) }));
            if (post.Siblings?.FirstOrDefault(id => !siblings.Contains(id)) is { } stranger)
                errors.Add(new(Prefixed(field, "siblings"), $"account {stranger} is not a sibling of this persona"));
            calendar.Add(post);
        }
        DomainValidationException.ThrowIfAny(errors);

        foreach (var (postId, post, _) in batch) state.State.Posts[postId] = new PlannedPost(post, false);
        // State first, then the wake-ups: a tick always finds the post it is for. A wake-up that failed to register
        // is registered again when the same plan, edit or move is retried.
        await SaveAsync(state);
        foreach (var (postId, post, _) in batch) await WakeAtAsync(Prefix + postId, post.PlannedAt);
    }

    private static string Prefixed(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

    private PlannedPost Existing(string postId) =>
        state.State.Posts.TryGetValue(postId, out var p) ? p : throw new KeyNotFoundException($"post {postId}");

    private string Unpublished(string postId, string field) =>
        Existing(postId).Published ? throw new DomainValidationException(field, "the post went out already; plan a new one") : postId;

    /// <summary>The named siblings, or every account of the persona that still posts (not banned or retired).</summary>
    private async Task<IEnumerable<string>> SiblingsAsync(MomentPost post) =>
        (await directory.AccountsAsync(personaId: GrainKey))
            .Where(a => a.Profile.Status is not (AccountStatus.Banned or AccountStatus.Retired))
            .Where(a => post.Siblings is not { Count: > 0 } named || named.Contains(a.Id))
            .Select(a => a.Id);

    /// <summary>The task id of one sibling's copy: the same on every delivery of the tick, so a copy is created once.</summary>
    internal static Guid CopyId(string postId, string accountId) => new(MD5.HashData(Encoding.UTF8.GetBytes($"moments\n{postId}\n{accountId}")));
}
