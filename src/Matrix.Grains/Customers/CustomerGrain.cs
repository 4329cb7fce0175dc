using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Matrix.Grains.Customers;

public interface ICustomerGrain : IGrainWithStringKey
{
    Task<CustomerState> Get();
    Task RecordTransfer(DateTimeOffset at);
    /// <summary>Starts a plan at an anchor; a running one is re-anchored only when <paramref name="restart"/> (a new purchase, a reply).</summary>
    Task StartPlan(string planId, DateTimeOffset anchor, bool restart = true);

    /// <summary>
    /// The plan was edited (to <paramref name="plan"/>, as the rollout read it; null: read it): its next touch is
    /// placed again from the run's anchor.
    /// </summary>
    Task ReschedulePlan(string planId, FollowUpPlan? plan);

    Task StopPlan(string planId);

    Task<CustomerProfile> UpdateProfile(CustomerProfile profile, string by, DateTimeOffset at);
    Task ChangeTags(IReadOnlyList<string> add, IReadOnlyList<string> remove, string by, DateTimeOffset at);
    Task RecordReferral(string referredCustomerId);
    Task RecordMessage(DateTimeOffset at);
    Task RecordTouch(DateTimeOffset at);
    Task<PurchaseOutcome> RecordPurchase(Purchase purchase);

    /// <summary>Works a plan's reminder tick (the reminder service's delivery queues it; see CustomerGrain.Plans.cs).</summary>
    Task Tick(string reminderName);
    Task<RefundOutcome> RecordRefund(string orderId, DateTimeOffset at);

    /// <summary>
    /// A background sweep (a plan's rollout) is done with this customer: the activation goes when idle instead of
    /// staying for the collection age, so a sweep over a million customers holds a chunk of them, not all.
    /// </summary>
    [OneWay]
    Task Release();
}

/// <summary>
/// A customer, keyed by their external ID (the WeChat ID an operator records, or WeCom's external_userid): their
/// purchases, messages, touches, profile and tags here; their follow-up plans in CustomerGrain.Plans.cs.
/// </summary>
public sealed partial class CustomerGrain([PersistentState("customer", StorageHosting.GrainStore)] IPersistentState<CustomerState> state, TaskStore tasks,
    CapacityLedger ledger, MatrixDirectory directory, DirectoryWriter index, StoreClock clock, IOptions<MatrixOptions> options, TickGate gate)
    : MatrixGrain, ICustomerGrain, IRemindable
{
    Task<CustomerState> ICustomerGrain.Get() => Task.FromResult(state.State);

    Task ICustomerGrain.Release()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    async Task<PurchaseOutcome> ICustomerGrain.RecordPurchase(Purchase purchase)
    {
        if (state.State.Purchases.Any(p => p.OrderId == purchase.OrderId)) return PurchaseOutcome.Duplicate;
        state.State.Purchases.Add(purchase with { RefundedAt = null });
        await SaveCustomerAsync();
        return PurchaseOutcome.Recorded;
    }

    async Task<RefundOutcome> ICustomerGrain.RecordRefund(string orderId, DateTimeOffset at)
    {
        var i = state.State.Purchases.FindIndex(p => p.OrderId == orderId);
        if (i < 0) return RefundOutcome.UnknownOrder;
        if (state.State.Purchases[i].RefundedAt is not null) return RefundOutcome.AlreadyRefunded;
        state.State.Purchases[i] = state.State.Purchases[i] with { RefundedAt = at };
        await SaveCustomerAsync();
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
        return SaveCustomerAsync();
    }

    Task ICustomerGrain.RecordTouch(DateTimeOffset at)
    {
        if (state.State.TouchesAt.Contains(at)) return Task.CompletedTask;
        state.State.TouchesAt.Add(at);
        state.State.BookedAt.RemoveAll(b => b <= at); // no longer ahead
        return SaveCustomerAsync();
    }

    Task ICustomerGrain.RecordTransfer(DateTimeOffset at)
    {
        if (state.State.TransfersAt.Contains(at)) return Task.CompletedTask;
        state.State.TransfersAt.Add(at);
        Note(new(at, "transfer", "", "matrix"));
        return SaveCustomerAsync();
    }

    async Task<CustomerProfile> ICustomerGrain.UpdateProfile(CustomerProfile profile, string by, DateTimeOffset at)
    {
        DomainValidationException.ThrowIfAny([.. profile.Validate(GrainKey)]);
        var old = state.State.Profile;
        if (old.ReferrerId is { } referrer && profile.ReferrerId != referrer)
            throw new DomainValidationException("referrerId", $"the customer was referred by {referrer}; a referral is not changed afterwards");
        state.State.Profile = profile;
        foreach (var field in ProfileDiff(old, profile)) Note(new(at, "profile", field, by));
        await SaveCustomerAsync();
        return old;
    }

    Task ICustomerGrain.ChangeTags(IReadOnlyList<string> add, IReadOnlyList<string> remove, string by, DateTimeOffset at)
    {
        foreach (var tag in add.Where(state.State.Tags.Add)) Note(new(at, "tag", "+" + tag, by));
        foreach (var tag in remove.Where(state.State.Tags.Remove)) Note(new(at, "tag", "-" + tag, by));
        return SaveCustomerAsync();
    }

    Task ICustomerGrain.RecordReferral(string referredCustomerId) =>
        state.State.Referred.Add(referredCustomerId) ? SaveCustomerAsync() : Task.CompletedTask;

    internal const int ChangesKept = 200;

    // What customer_index last got from this activation; null until the first write here (then it is written anyway).
    private string? _indexed;

    /// <summary>
    /// Saves the state, takes back tasks placed ahead whose plan ended (unless the caller knows nothing that ends a
    /// plan changed), then writes the customer's search row and running plans when they changed.
    /// </summary>
    private async Task SaveCustomerAsync(bool checkStaged = true)
    {
        await SaveAsync(state);
        if (checkStaged) await WithdrawEndedAsync();
        var s = state.State;
        var search = string.Join(' ', new[] { GrainKey, s.Profile.DisplayName, s.Profile.Remark, s.Profile.Phone }
            .Concat(s.Profile.Fields.Select(a => $"{a.Key}={a.Value}")).Concat(s.Tags).Where(t => !string.IsNullOrEmpty(t)));
        var indexed = search + "\n" + string.Join(',', s.Plans.Keys.Order(StringComparer.Ordinal));
        if (indexed == _indexed)
        {
            await index.FactsDueAsync(GrainKey);
            return;
        }
        await index.CustomerAsync(GrainKey, s.Profile.DisplayName, s.Profile.Phone, search, s.Plans.Keys);
        _indexed = indexed;
    }

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
