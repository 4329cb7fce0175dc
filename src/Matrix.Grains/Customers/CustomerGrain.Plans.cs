using System.Security.Cryptography;
using System.Text;
using Matrix.Domain.FollowUps;
using Matrix.Grains.FollowUps;
using Matrix.Grains.Personas;
using Matrix.Grains.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Grains.Customers;

/// <summary>
/// The customer's follow-up plans: one reminder per plan; at each tick the touch is placed outside quiet hours,
/// within the frequency cap and inside the owning account's shifts (re-armed until then), then handed to that
/// account's queue within its daily budget as a task whose id is derived from (customer, plan, touch), so a tick
/// delivered twice creates it once.
/// </summary>
/// <remarks>
/// Order of writes: the run is saved before its reminder is registered, so a tick always finds the run it is for
/// (Orleans delivers it to this activation, after the turn that saved). A reminder that failed to register after the
/// save is registered again by the retried request: this activation remembers which runs it has armed, and a new
/// activation (after a failure, or on another node) arms a run again when asked to start it.
/// </remarks>
public sealed partial class CustomerGrain
{
    /// <summary>A plan's reminder name, and its tasks' origin: "plan:" and the plan id.</summary>
    public const string PlanReminderPrefix = "plan:";
    private readonly HashSet<string> _armed = [];

    async Task ICustomerGrain.StartPlan(string planId, DateTimeOffset anchor, bool restart)
    {
        if (state.State.Plans.TryGetValue(planId, out var run) && (run.Anchor == anchor || !restart))
        {
            // A retry of a start whose reminder may never have been registered: register it if it is missing.
            if (!_armed.Contains(planId) && await this.GetReminder(PlanReminderPrefix + planId) is null
                && await GrainFactory.Get<IPlanGrain>(planId).Get() is { } current)
                await ArmAsync(planId, run.DueAt(current, clock.Zone));
            _armed.Add(planId);
            return;
        }
        if (state.State.Finished.TryGetValue(planId, out var finished) && finished == anchor) return;
        if (await GrainFactory.Get<IPlanGrain>(planId).Get() is not { } plan) return;
        run = new PlanRun(anchor, 0);
        state.State.Plans[planId] = run;
        await SaveCustomerAsync();
        await ArmAsync(planId, run.DueAt(plan, clock.Zone));
    }

    async Task ICustomerGrain.ReschedulePlan(string planId, FollowUpPlan? edited)
    {
        if (!state.State.Plans.TryGetValue(planId, out var run)) return;
        if ((edited ?? await GrainFactory.Get<IPlanGrain>(planId).Get()) is not { Enabled: true } plan || !run.ContinuesUnder(plan))
        {
            await StopPlanAsync(planId); // disabled, or no longer repeating and its one touch is behind it
            return;
        }
        // The due time follows the edited plan; only a wait worked out under the old one is dropped.
        if (run.PostponedTo is not null)
        {
            state.State.Plans[planId] = run = run with { PostponedTo = null };
            await SaveAsync(state); // nothing the customer list shows
        }
        await ArmAsync(planId, run.DueAt(plan, clock.Zone));
    }

    Task ICustomerGrain.StopPlan(string planId) => StopPlanAsync(planId);

    // The reminder service's call returns at once; the tick waits for a slot of the node's TickGate outside this
    // grain's turns and then comes back as a call of its own. A burst of ticks queues there instead of timing out
    // the service's calls, and a delivery of a tick already waiting (the reminder's minute came round) is dropped.
    // The reminder stays registered until the tick has done its work, so nothing is lost if it never runs.
    private readonly HashSet<string> _queued = [];

    Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        if (name.StartsWith(PlanReminderPrefix, StringComparison.Ordinal) && _queued.Add(name))
        {
            var self = this.AsReference<ICustomerGrain>();
            gate.Queue(() => self.Tick(name), ServiceProvider.GetRequiredService<ImmediateWork>());
        }
        return Task.CompletedTask;
    }

    async Task ICustomerGrain.Tick(string name)
    {
        try
        {
            await TickAsync(name);
        }
        finally
        {
            _queued.Remove(name);
        }
    }

    private async Task TickAsync(string name)
    {
        var planId = name[PlanReminderPrefix.Length..];
        var s = state.State;
        var plan = await GrainFactory.Get<IPlanGrain>(planId).Get();
        if (!s.Plans.TryGetValue(planId, out var run) || plan is not { Enabled: true })
        {
            await StopPlanAsync(planId);
            return;
        }
        if (EndedEarly(planId, plan, run.Anchor))
        {
            s.Finished[planId] = run.Anchor;
            await StopPlanAsync(planId);
            return;
        }
        var now = clock.UtcNow;
        var dueAt = run.DueAt(plan, clock.Zone);
        if (dueAt - Lead > now + MatrixGrain.ReminderPeriod)
        {
            await ArmAsync(planId, dueAt); // a tick set before the run moved later
            return;
        }
        // The touch is placed as of its own time (staged ahead by the lead), or now if that has passed.
        var at = dueAt > now ? dueAt : now;

        var owner = (await ledger.LinksAsync(GrainKey)).Where(l => l.RemovedAt is null).MaxBy(l => l.AddedAt);
        if (owner is null)
        {
            await StopPlanAsync(planId);
            return;
        }
        var account = (await directory.AccountsAsync(ids: [owner.AccountId])).FirstOrDefault()?.Profile;
        var task = new WorkTask(TaskId(GrainKey, planId, run.Occurrence), owner.AccountId, GrainKey, "message",
            TemplateRenderer.Render(plan.Template, await FieldsAsync(account)), dueAt, PlanReminderPrefix + planId, "open", null, null, null, null);
        // Placed only if the budget allows it within a reminder's period of its time; else the touch waits, never dropped.
        var placement = (await tasks.PlaceMessagesAsync([new MessageRequest(task, at, at + MatrixGrain.ReminderPeriod, account, DueWhenBudgetAllows: false, KeepEarliestDue: true)],
            Quiet, Cap, clock.Zone, now))[0];
        if (placement.PlacedAt is not { } placed)
        {
            var due = placement.BudgetAt!.Value; // quiet hours, the budget or off shift
            s.Plans[planId] = run with { PostponedTo = due };
            await SaveCustomerAsync();
            await ArmAsync(planId, due);
            return;
        }
        s.BookedAt.RemoveAll(b => b <= now);
        if (placed > now && !s.BookedAt.Contains(placed)) s.BookedAt.Add(placed);

        if (TriggerTimes.RepeatOf(plan) is { IsPositive: true })
        {
            var next = run.Occurrence + 1;
            s.Plans[planId] = new PlanRun(run.Anchor, next);
            await SaveCustomerAsync(checkStaged: false); // nothing that ends a plan changed since the check above
            await ArmAsync(planId, s.Plans[planId].DueAt(plan, clock.Zone));
        }
        else
        {
            s.Plans.Remove(planId);
            s.Finished[planId] = run.Anchor;
            await SaveCustomerAsync(checkStaged: false);
            await DisarmAsync(planId);
        }
    }

    private async Task StopPlanAsync(string planId)
    {
        if (state.State.Plans.Remove(planId)) await SaveCustomerAsync();
        else await WithdrawEndedAsync(); // its run may be over with its last touch placed ahead and not yet due
        await DisarmAsync(planId);
    }

    private async Task ArmAsync(string planId, DateTimeOffset dueAt)
    {
        var (name, at) = PlanWakeUp(planId, dueAt, Lead);
        await WakeAtAsync(name, at);
        _armed.Add(planId);
    }

    /// <summary>
    /// The reminder of a plan's touch due at <paramref name="dueAt"/>: it comes <paramref name="lead"/> ahead of the
    /// touch (Matrix:FollowUpLead), so the task is on its account's queue by the touch's minute.
    /// </summary>
    internal static (string Name, DateTimeOffset At) PlanWakeUp(string planId, DateTimeOffset dueAt, TimeSpan lead) => (PlanReminderPrefix + planId, dueAt - lead);

    private TimeSpan Lead => options.Value.FollowUpLead;

    /// <summary>
    /// A task placed ahead whose plan has since ended for this customer (a reply, a purchase, a tag, another plan,
    /// the plan disabled) is taken back before it is due, and its booking freed: the same exit as a touch not yet
    /// placed. Checked after every save while a booking lies ahead (a task placed and not yet due).
    /// </summary>
    private async Task WithdrawEndedAsync()
    {
        var s = state.State;
        var now = clock.UtcNow;
        if (!s.BookedAt.Any(b => b > now)) return;
        var freed = false;
        foreach (var (id, planId, dueAt) in await tasks.StagedAsync(GrainKey, now))
        {
            var anchor = s.Plans.TryGetValue(planId, out var run) ? run.Anchor : s.Finished.TryGetValue(planId, out var finished) ? finished : (DateTimeOffset?)null;
            var plan = await GrainFactory.Get<IPlanGrain>(planId).Get();
            var ended = plan is not { Enabled: true } || anchor is { } a && EndedEarly(planId, plan, a);
            if (ended && await tasks.WithdrawAsync(id, now)) freed |= s.BookedAt.Remove(dueAt);
        }
        if (freed) await SaveAsync(state);
    }

    private async Task DisarmAsync(string planId)
    {
        await CancelWakeAsync(PlanReminderPrefix + planId);
        _armed.Remove(planId);
    }

    private bool EndedEarly(string planId, FollowUpPlan plan, DateTimeOffset anchor) =>
        (plan.Ends.WhenBuys && state.State.Purchases.Any(p => p.Counts && p.At > anchor))
        || (plan.Ends.WhenReplies && state.State.LastReplyAt > anchor)
        || (plan.Ends.WhenTagged is { } tag && state.State.Tags.Contains(tag))
        || (plan.Ends.WhenInAnotherPlan && state.State.Plans.Keys.Any(k => k != planId));

    private QuietHours Quiet => new(options.Value.QuietFrom, options.Value.QuietTo);

    private FrequencyCap Cap => new(options.Value.CapTouches, options.Value.CapWindow);

    private async Task<Dictionary<string, string>> FieldsAsync(Domain.Accounts.AccountProfile? account) =>
        MessageFields.Of(GrainKey, state.State, account is null ? null : (await GrainFactory.Get<IPersonaGrain>(account.PersonaId).Get())?.Nickname);

    /// <summary>The task of one touch: the same on every delivery of its tick, so the touch becomes one task.</summary>
    internal static Guid TaskId(string customerId, string planId, int occurrence) =>
        new(MD5.HashData(Encoding.UTF8.GetBytes($"{customerId}\n{planId}\n{occurrence}")));
}
