using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Grains.FollowUps;

public sealed record PlanEntry(string Id, FollowUpPlan Plan);

/// <summary>
/// Starts plans for the customers their filter matches. Event triggers (an add, a purchase) start at the event;
/// state triggers (no reply, a weekly slot, a date attribute) start from the customer's state whenever it changes,
/// and for every customer when such a plan is created, edited or enabled.
/// </summary>
public sealed class FollowUpService(IGrainFactory grains, NpgsqlDataSource db, MatrixDirectory directory, CustomerReader customers, IOptions<CustomerSettings> settings,
    StoreClock clock, StoredRuns storedRuns, DistantReminders distant, IOptions<MatrixOptions> options)
{
    /// <summary>A new friend: friend-added plans start at the add; state plans start unless already running.</summary>
    public Task FriendAddedAsync(string customerId, DateTimeOffset at) => StartAsync(customerId, (plan, c) =>
        plan.Trigger.Kind == TriggerKind.FriendAdded ? (at, true) : StateStart(plan, c, restart: false));

    /// <summary>
    /// An imported relationship: state plans start unless already running; friend-added plans only for an add the
    /// row dates within the last day (an older friend is not new, and a plan's first touches would all be overdue).
    /// </summary>
    public Task ImportedAsync(string customerId, DateTimeOffset? addedAt) => StartAsync(customerId, (plan, c) =>
        plan.Trigger.Kind != TriggerKind.FriendAdded ? StateStart(plan, c, restart: false)
        : addedAt is { } at && Domain.FollowUps.Welcome.IsDue(at, clock.UtcNow) ? (at, false) : null);

    public Task PurchasedAsync(string customerId, DateTimeOffset at, IReadOnlySet<string> categories) => StartAsync(customerId, (plan, _) =>
        plan.Trigger is { Kind: TriggerKind.Purchase } t && (t.Category is null || categories.Contains(t.Category)) ? (at, true) : null);

    /// <summary>A reply starts the "no reply" clock again.</summary>
    public Task MessageReceivedAsync(string customerId) => StartAsync(customerId, (plan, c) =>
        plan.Trigger.Kind == TriggerKind.NoReply ? StateStart(plan, c, restart: true) : null);

    /// <summary>Date attributes changed: plans counting from them start again from the new dates (or stop when a date is gone).</summary>
    public Task AttributesChangedAsync(string customerId, IReadOnlySet<string> attributes) => StartAsync(customerId, (plan, c) =>
        plan.Trigger is { Kind: TriggerKind.BeforeAttributeDate, Attribute: { } a } && attributes.Contains(a) ? StateStart(plan, c, restart: true) ?? (null, true) : null);

    public async Task CreatePlanAsync(string planId, FollowUpPlan plan)
    {
        await grains.Get<IPlanGrain>(planId).Create(plan);
        await PlanChangedAsync(planId);
    }

    public async Task UpdatePlanAsync(string planId, FollowUpPlan plan)
    {
        await grains.Get<IPlanGrain>(planId).Update(plan);
        await PlanChangedAsync(planId);
    }

    /// <summary>
    /// A plan was created or edited. Customers running it get their next touch placed from the edited plan (or
    /// stop, when it is disabled or they no longer match); a state plan then starts for every customer it now applies
    /// to. Both happen in the background, a chunk at a time (<see cref="PlanRolloutGrain"/>).
    /// </summary>
    private Task PlanChangedAsync(string planId) => grains.Get<IPlanRolloutGrain>(planId).Start();

    /// <summary>
    /// Re-places or stops the plan for up to <paramref name="limit"/> of the customers running it, those whose id
    /// comes after <paramref name="after"/>. Returns the last id handled; null when none was left.
    /// </summary>
    /// <summary>How many customers run the plan now (what a rollout's first step goes through).</summary>
    public async Task<int> CountRunningAsync(string planId) =>
        (await KeysAsync("select count(*)::text from customer_index where plans @> array[$1]", planId)).Select(int.Parse).Single();

    /// <summary>How many customers are a friend of some account now (what a state plan's start goes through).</summary>
    public async Task<int> CountCurrentCustomersAsync() =>
        (await KeysAsync("select count(distinct external_id)::text from account_friends where removed_at is null")).Select(int.Parse).Single();

    /// <summary>Re-places (or stops) up to <paramref name="limit"/> customers running the plan after <paramref name="after"/>; returns the last id (null when none was left) and how many.</summary>
    public async Task<(string? Last, int Count)> ReplaceRunningAsync(string planId, string? after, int limit)
    {
        if (await grains.Get<IPlanGrain>(planId).Get() is not { } plan) return (null, 0);
        // A plan turned off also takes back the touches it placed ahead that are not yet due: their runs may be over
        // (a last touch), so the customers are found by their tasks. An hour's worth at most (Matrix:FollowUpLead).
        if (after is null && !plan.Enabled)
            foreach (var customerId in await KeysAsync("select distinct customer_id from tasks where origin = $1 and status = 'open' and due_at > $2",
                         CustomerGrain.PlanReminderPrefix + planId, clock.UtcNow.ToUniversalTime()))
                await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(customerId).StopPlan(planId));
        var ids = await KeysAsync("select id from customer_index where plans @> array[$1] and id > $2 order by id limit $3",
            planId, after ?? "", limit);
        var visit = plan.Enabled && plan.Filter.MatchesEveryone() ? await MoveDistantAsync(planId, plan, ids) : ids;
        await SweepAsync(visit, async customerId =>
        {
            var customer = grains.Get<ICustomerGrain>(customerId);
            if (plan.Enabled && (plan.Filter.MatchesEveryone() || await customers.GetAsync(customerId) is { } c && Matches(plan, c)))
                await Conflicts.RetryAsync(() => customer.ReschedulePlan(planId, plan));
            else await Conflicts.RetryAsync(() => customer.StopPlan(planId));
        });
        return (ids.LastOrDefault(), ids.Count);
    }

    /// <summary>
    /// An edit that keeps every runner on the plan changes only when their touches fall (nothing a customer keeps):
    /// each touch whose reminder lies beyond the reminder service's window is moved from the customer's stored run,
    /// all of the chunk's in one statement, without waking the customer. Returns the customers left to visit: a
    /// touch due soon (its timer runs on a node), one waiting past its time, a run whose one touch is behind it.
    /// </summary>
    private async Task<IReadOnlyList<string>> MoveDistantAsync(string planId, FollowUpPlan plan, IReadOnlyList<string> ids)
    {
        var runs = await storedRuns.ReadAsync(ids, planId);
        var beyond = clock.UtcNow + DistantReminders.Beyond;
        var moved = new List<(GrainId, string, DateTimeOffset)>();
        var visit = new List<string>();
        foreach (var id in ids)
        {
            if (runs.TryGetValue(id, out var run) && run.PostponedTo is null && run.ContinuesUnder(plan)
                && CustomerGrain.PlanWakeUp(planId, run.DueAt(plan, clock.Zone), options.Value.FollowUpLead) is var (name, at) && at > beyond)
                moved.Add((grains.Get<ICustomerGrain>(id).GetGrainId(), name, at));
            else visit.Add(id);
        }
        await distant.UpsertManyAsync(moved, MatrixGrain.ReminderPeriod);
        return visit;
    }

    /// <summary>Whether the plan, as it is now, starts for every current customer (an enabled state plan).</summary>
    public async Task<bool> StartsForCurrentCustomersAsync(string planId) =>
        await grains.Get<IPlanGrain>(planId).Get() is { Enabled: true } plan && PlanStart.FollowsState(plan.Trigger.Kind);

    /// <summary>Starts a state plan for up to <paramref name="limit"/> current customers after <paramref name="after"/>; returns the last id (null when none was left) and how many.</summary>
    public async Task<(string? Last, int Count)> StartForCurrentCustomersAsync(string planId, string? after, int limit)
    {
        if (await grains.Get<IPlanGrain>(planId).Get() is not { Enabled: true } plan || !PlanStart.FollowsState(plan.Trigger.Kind)) return (null, 0);
        var ids = await KeysAsync("select distinct external_id from account_friends where removed_at is null and external_id > $1 order by external_id limit $2",
            after ?? "", limit);
        await SweepAsync(ids, customerId => StartAsync(customerId, [new PlanEntry(planId, plan)], (p, c) => StateStart(p, c, restart: false)));
        return (ids.LastOrDefault(), ids.Count);
    }

    /// <summary>
    /// Customers a sweep works on at once: enough to overlap each one's round trips (a read, a state write, a
    /// reminder), few enough to leave most of the node's <c>DatabaseGate</c> to live traffic.
    /// </summary>
    internal const int SweepParallelism = 16;

    // Each customer is released once handled: a sweep passes every customer once, and keeping them active for the
    // collection age would hold a million activations.
    // A customer starts as soon as another is done, not when the slowest of a group is.
    private async Task SweepAsync(IReadOnlyList<string> ids, Func<string, Task> handle)
    {
        using var slots = new SemaphoreSlim(SweepParallelism);
        await Task.WhenAll(ids.Select(async customerId =>
        {
            await slots.WaitAsync();
            try
            {
                await handle(customerId);
                await grains.Get<ICustomerGrain>(customerId).Release();
            }
            finally
            {
                slots.Release();
            }
        }));
    }

    private (DateTimeOffset? Anchor, bool Restart)? StateStart(FollowUpPlan plan, CustomerRecord c, bool restart) =>
        PlanStart.FollowsState(plan.Trigger.Kind)
        && PlanStart.Anchor(plan.Trigger, new CustomerClock(c.FirstAddedAt ?? clock.UtcNow, c.State.LastReplyAt, c.State.Profile), clock.UtcNow, clock.Zone) is { } anchor
            ? (anchor, restart)
            : null;

    private async Task StartAsync(string customerId, Func<FollowUpPlan, CustomerRecord, (DateTimeOffset? Anchor, bool Restart)?> startOf)
    {
        // Plans first: most events trigger none, and then the customer need not be read at all.
        var enabled = (await directory.PlansAsync()).Where(p => p.Plan.Enabled).ToList();
        if (enabled.Count > 0) await StartAsync(customerId, enabled, startOf);
    }

    /// <summary>Starts (a null anchor: stops) each plan whose start applies and whose filter matches the customer.</summary>
    private async Task StartAsync(string customerId, IReadOnlyList<PlanEntry> plans, Func<FollowUpPlan, CustomerRecord, (DateTimeOffset? Anchor, bool Restart)?> startOf)
    {
        if (await customers.GetAsync(customerId) is not { } customer || customer.Accounts.All(a => a.RemovedAt is not null)) return;
        var grain = grains.Get<ICustomerGrain>(customerId);
        foreach (var (id, plan) in plans)
        {
            if (startOf(plan, customer) is not { } start) continue;
            if (start.Anchor is not { } anchor) await Conflicts.RetryAsync(() => grain.StopPlan(id));
            else if (Matches(plan, customer)) await Conflicts.RetryAsync(() => grain.StartPlan(id, anchor, start.Restart));
        }
    }

    private bool Matches(FollowUpPlan plan, CustomerRecord customer)
    {
        var now = clock.UtcNow;
        var facts = customer.Facts(now);
        var s = settings.Value;
        var score = CustomerRules.Score(facts, s, now).Total;
        return plan.Filter.Matches(CustomerRules.Classify(customer.State.Purchases.Count(p => p.Counts), s), customer.Tags.ToHashSet(),
            CustomerRules.Band(score, s), CustomerRules.Stage(facts, s, now));
    }

    private async Task<List<string>> KeysAsync(string sql, params object[] parameters)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var parameter in parameters) cmd.Parameters.AddWithValue(parameter);
        await using var r = await cmd.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await r.ReadAsync()) keys.Add(r.GetString(0));
        return keys;
    }
}
