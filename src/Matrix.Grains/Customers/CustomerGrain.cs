using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.Runtime;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Customers;

public interface ICustomerGrain : IGrain
{
    Task<CustomerState> Get();
    Task RecordTransfer(DateTimeOffset at);
    /// <summary>Starts a plan at an anchor; a running one is re-anchored only when <paramref name="restart"/> (a new purchase, a reply).</summary>
    Task StartPlan(string planId, DateTimeOffset anchor, bool restart = true);

    /// <summary>The plan was edited: its next touch is placed again from the run's anchor.</summary>
    Task ReschedulePlan(string planId);

    Task StopPlan(string planId);

    Task<CustomerProfile> UpdateProfile(CustomerProfile profile, string by, DateTimeOffset at);
    Task ChangeTags(IReadOnlyList<string> add, IReadOnlyList<string> remove, string by, DateTimeOffset at);
    Task RecordReferral(string referredCustomerId);
    Task RecordMessage(DateTimeOffset at);
    Task RecordTouch(DateTimeOffset at);
    Task<PurchaseOutcome> RecordPurchase(Purchase purchase);
    Task<RefundOutcome> RecordRefund(string orderId, DateTimeOffset at);
}

/// <summary>
/// A customer, keyed by their external ID (the WeChat ID an operator records, or WeCom's external_userid): their
/// purchases, messages, touches, profile and tags here; their follow-up plans in CustomerGrain.Plans.cs.
/// </summary>
public sealed partial class CustomerGrain(IPersistentState<CustomerState> state, TaskStore tasks, CapacityLedger ledger, MatrixDirectory directory,
    StoreClock clock, IOptions<MatrixOptions> options) : Grain, ICustomerGrain, IRemindable
{
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
        Note(new(at, "transfer", "", "matrix"));
        return state.WriteStateAsync();
    }

    async Task<CustomerProfile> ICustomerGrain.UpdateProfile(CustomerProfile profile, string by, DateTimeOffset at)
    {
        DomainValidationException.ThrowIfAny([.. profile.Validate(GrainKey)]);
        var old = state.State.Profile;
        if (old.ReferrerId is { } referrer && profile.ReferrerId != referrer)
            throw new DomainValidationException("referrerId", $"the customer was referred by {referrer}; a referral is not changed afterwards");
        state.State.Profile = profile;
        foreach (var field in ProfileDiff(old, profile)) Note(new(at, "profile", field, by));
        await state.WriteStateAsync();
        return old;
    }

    Task ICustomerGrain.ChangeTags(IReadOnlyList<string> add, IReadOnlyList<string> remove, string by, DateTimeOffset at)
    {
        foreach (var tag in add.Where(state.State.Tags.Add)) Note(new(at, "tag", "+" + tag, by));
        foreach (var tag in remove.Where(state.State.Tags.Remove)) Note(new(at, "tag", "-" + tag, by));
        return state.WriteStateAsync();
    }

    Task ICustomerGrain.RecordReferral(string referredCustomerId) =>
        state.State.Referred.Add(referredCustomerId) ? state.WriteStateAsync() : Task.CompletedTask;

    internal const int ChangesKept = 200;

    private void Note(CustomerChange change)
    {
        state.State.Changes.Add(change);
        if (state.State.Changes.Count > ChangesKept) state.State.Changes.RemoveAt(0);
    }

    private static IEnumerable<string> ProfileDiff(CustomerProfile a, CustomerProfile b)
    {
        if (a.DisplayName != b.DisplayName) yield return "displayName";
        if (a.Remark != b.Remark) yield return "remark";
        if (a.Phone != b.Phone) yield return "phone";
        if (a.ReferrerId != b.ReferrerId) yield return "referrerId";
        foreach (var key in a.ChangedAttributes(b)) yield return "attributes." + key;
    }
}
