using System.Security.Cryptography;
using System.Text;
using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.FollowUps;
using Matrix.Grains.Personas;
using Matrix.Grains.Tasks;
using Matrix.Runtime;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Customers;

/// <summary>
/// What only the customer grain knows. The customer's accounts, source channel and channel tags are the ledger's
/// account_friends rows (<see cref="CustomerReader"/> puts the two together).
/// </summary>
public sealed class CustomerState
{
    /// <summary>Tags a person gave by hand (channel tags come with the friendship).</summary>
    public SortedSet<string> Tags { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When the customer was moved between WeCom members (WeCom allows two transfers in 90 days).</summary>
    public List<DateTimeOffset> TransfersAt { get; set; } = [];

    public List<Purchase> Purchases { get; set; } = [];

    public DateTimeOffset? LastReplyAt { get; set; }

    /// <summary>When the customer wrote to us, kept for 90 days (the engagement part of the score).</summary>
    public List<DateTimeOffset> MessagesAt { get; set; } = [];

    public int Referrals { get; set; }

    /// <summary>When a person touched the customer (a follow-up done): what the frequency cap counts.</summary>
    public List<DateTimeOffset> TouchesAt { get; set; } = [];

    /// <summary>Follow-up tasks handed out and not yet done: they count against the cap too, so two plans cannot both fill it.</summary>
    public List<DateTimeOffset> BookedAt { get; set; } = [];

    /// <summary>The plans running for this customer, by plan id.</summary>
    public Dictionary<string, PlanRun> Plans { get; set; } = [];
}

/// <param name="Anchor">What the plan counts from (the purchase, the add).</param>
/// <param name="Occurrence">Which touch of the plan is next (0 is the first).</param>
public sealed record PlanRun(DateTimeOffset Anchor, int Occurrence);

public enum PurchaseOutcome { Recorded, Duplicate }

public enum RefundOutcome { Refunded, AlreadyRefunded, UnknownOrder }

public interface ICustomerGrain : IGrain
{
    Task<CustomerState> Get();
    Task RecordTransfer(DateTimeOffset at);
    Task StartPlan(string planId, DateTimeOffset anchor);
    Task RecordMessage(DateTimeOffset at);
    Task RecordTouch(DateTimeOffset at);
    Task<PurchaseOutcome> RecordPurchase(Purchase purchase);
    Task<RefundOutcome> RecordRefund(string orderId, DateTimeOffset at);
}

/// <summary>
/// A customer, keyed by their external ID (the WeChat ID an operator records, or WeCom's external_userid). It runs
/// the customer's follow-up plans: one reminder per plan; at each tick the touch is placed outside quiet hours and
/// within the frequency cap (re-armed until then), then handed to the owning account's queue as a task whose id
/// is derived from (customer, plan, touch), so a tick delivered twice creates it once.
/// </summary>
public sealed class CustomerGrain(IPersistentState<CustomerState> state, TaskStore tasks, CapacityLedger ledger, MatrixDirectory directory,
    StoreClock clock, IOptions<MatrixOptions> options) : Grain, ICustomerGrain, IRemindable
{
    private const string PlanReminderPrefix = "plan:";

    async Task ICustomerGrain.StartPlan(string planId, DateTimeOffset anchor)
    {
        if (state.State.Plans.TryGetValue(planId, out var run) && run.Anchor == anchor) return;
        if (await GrainFactory.Get<IPlanGrain>(planId).Get() is not { } plan) return;
        state.State.Plans[planId] = new PlanRun(anchor, 0);
        await RegisterOrUpdateReminderAsync(PlanReminderPrefix + planId, OccurrenceAt(plan, anchor, 0));
        await state.WriteStateAsync();
    }

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        if (!name.StartsWith(PlanReminderPrefix, StringComparison.Ordinal)) return;
        var planId = name[PlanReminderPrefix.Length..];
        var s = state.State;
        var plan = await GrainFactory.Get<IPlanGrain>(planId).Get();
        if (!s.Plans.TryGetValue(planId, out var run) || plan is not { Enabled: true } || EndedEarly(planId, plan, run))
        {
            await StopPlanAsync(planId);
            return;
        }

        var now = clock.UtcNow;
        var due = Place(now);
        if (due > now + TimeSpan.FromMinutes(1))
        {
            await RegisterOrUpdateReminderAsync(name, due); // quiet hours or the cap: wait, never drop
            return;
        }
        var owner = (await ledger.LinksAsync(GrainKey)).Where(l => l.RemovedAt is null).MaxBy(l => l.AddedAt);
        if (owner is null)
        {
            await StopPlanAsync(planId);
            return;
        }
        await tasks.AddAsync(new WorkTask(TaskId(planId, run.Occurrence), owner.AccountId, GrainKey, "message",
            TemplateRenderer.Render(plan.Template, await FieldsAsync(owner.AccountId)), now, PlanReminderPrefix + planId, "open", null, null, null, null), now);
        s.BookedAt.Add(now);

        var next = run with { Occurrence = run.Occurrence + 1 };
        if (plan.Interval is { IsPositive: true })
        {
            s.Plans[planId] = next;
            await RegisterOrUpdateReminderAsync(name, OccurrenceAt(plan, run.Anchor, next.Occurrence));
        }
        else
        {
            s.Plans.Remove(planId);
            await UnregisterReminderAsync(name);
        }
        await state.WriteStateAsync();
    }

    private async Task StopPlanAsync(string planId)
    {
        await UnregisterReminderAsync(PlanReminderPrefix + planId);
        if (state.State.Plans.Remove(planId)) await state.WriteStateAsync();
    }

    private bool EndedEarly(string planId, FollowUpPlan plan, PlanRun run) =>
        (plan.Ends.WhenBuys && state.State.Purchases.Any(p => p.Counts && p.At > run.Anchor))
        || (plan.Ends.WhenReplies && state.State.LastReplyAt > run.Anchor)
        || (plan.Ends.WhenTagged is { } tag && state.State.Tags.Contains(tag))
        || (plan.Ends.WhenInAnotherPlan && state.State.Plans.Keys.Any(k => k != planId));

    /// <summary>The earliest moment from now outside quiet hours and within the frequency cap.</summary>
    private DateTimeOffset Place(DateTimeOffset now)
    {
        var o = options.Value;
        var quiet = new QuietHours(o.QuietFrom, o.QuietTo);
        var cap = new FrequencyCap(o.CapTouches, o.CapWindow);
        var booked = state.State.TouchesAt.Concat(state.State.BookedAt).ToList();
        var due = now;
        for (var i = 0; i < 20; i++)
        {
            var quietOk = DueTimes.Place(TimeZoneInfo.ConvertTime(due, clock.Zone).DateTime, quiet, clock.Zone);
            var capOk = cap.NextFreeSlot(quietOk, booked);
            if (capOk == quietOk) return capOk;
            due = capOk;
        }
        return due;
    }

    private DateTimeOffset OccurrenceAt(FollowUpPlan plan, DateTimeOffset anchor, int occurrence)
    {
        var local = DueTimes.Occurrences(TimeZoneInfo.ConvertTime(anchor, clock.Zone).DateTime, plan.Delay, plan.Interval).ElementAt(occurrence);
        return new DateTimeOffset(local, clock.Zone.GetUtcOffset(local));
    }

    private async Task<Dictionary<string, string>> FieldsAsync(string accountId)
    {
        var fields = new Dictionary<string, string> { ["nickname"] = GrainKey };
        if (state.State.Purchases.Where(p => p.Counts).MaxBy(p => p.At) is { } last && last.Items.FirstOrDefault() is { } item)
            fields["last_purchase"] = item.Category ?? item.Sku;
        if ((await directory.AccountsAsync(ids: [accountId])).FirstOrDefault() is { } account
            && await GrainFactory.Get<IPersonaGrain>(account.Profile.PersonaId).Get() is { } persona)
            fields["persona_name"] = persona.Nickname;
        return fields;
    }

    private Guid TaskId(string planId, int occurrence) =>
        new(MD5.HashData(Encoding.UTF8.GetBytes($"{GrainKey}\n{planId}\n{occurrence}")));

    Task<CustomerState> ICustomerGrain.Get() => Task.FromResult(state.State);

    async Task<PurchaseOutcome> ICustomerGrain.RecordPurchase(Purchase purchase)
    {
        if (state.State.Purchases.Any(p => p.OrderId == purchase.OrderId)) return PurchaseOutcome.Duplicate;
        state.State.Purchases.Add(purchase with { RefundedAt = null });
        await state.WriteStateAsync();
        return PurchaseOutcome.Recorded;
    }

    async Task<RefundOutcome> ICustomerGrain.RecordRefund(string orderId, DateTimeOffset at)
    {
        var i = state.State.Purchases.FindIndex(p => p.OrderId == orderId);
        if (i < 0) return RefundOutcome.UnknownOrder;
        if (state.State.Purchases[i].RefundedAt is not null) return RefundOutcome.AlreadyRefunded;
        state.State.Purchases[i] = state.State.Purchases[i] with { RefundedAt = at };
        await state.WriteStateAsync();
        return RefundOutcome.Refunded;
    }

    // Both are idempotent on the instant: a retried event or a task done twice is one message or one touch.
    Task ICustomerGrain.RecordMessage(DateTimeOffset at)
    {
        var s = state.State;
        if (s.MessagesAt.Contains(at)) return Task.CompletedTask;
        s.MessagesAt.RemoveAll(m => at - m > TimeSpan.FromDays(90));
        s.MessagesAt.Add(at);
        if (s.LastReplyAt is null || at > s.LastReplyAt) s.LastReplyAt = at; // resets the "no reply" clock
        return state.WriteStateAsync();
    }

    Task ICustomerGrain.RecordTouch(DateTimeOffset at)
    {
        if (state.State.TouchesAt.Contains(at)) return Task.CompletedTask;
        state.State.TouchesAt.Add(at);
        // The oldest booking becomes this touch; bookings that were never done stop counting after a window.
        if (state.State.BookedAt.Count > 0) state.State.BookedAt.RemoveAt(0);
        state.State.BookedAt.RemoveAll(b => at - b > options.Value.CapWindow);
        return state.WriteStateAsync();
    }

    Task ICustomerGrain.RecordTransfer(DateTimeOffset at)
    {
        if (state.State.TransfersAt.Contains(at)) return Task.CompletedTask;
        state.State.TransfersAt.Add(at);
        return state.WriteStateAsync();
    }
}
