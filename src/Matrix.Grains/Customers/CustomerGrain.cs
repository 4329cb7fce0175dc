using Matrix.Domain.Customers;
using Matrix.Runtime;

namespace Matrix.Grains.Customers;

/// <summary>One account a customer is (or was) a friend of.</summary>
public sealed record CustomerAccountLink(string AccountId, DateTimeOffset AddedAt, DateTimeOffset? RemovedAt, bool? RemovedByCustomer);

public sealed class CustomerState
{
    public DateTimeOffset? FirstAddedAt { get; set; }
    public string? SourceChannel { get; set; }
    public string? SourceState { get; set; }
    public SortedSet<string> Tags { get; set; } = new(StringComparer.Ordinal);
    public List<CustomerAccountLink> Accounts { get; set; } = [];

    /// <summary>When the customer was moved between WeCom members (WeCom allows two transfers in 90 days).</summary>
    public List<DateTimeOffset> TransfersAt { get; set; } = [];

    public List<Purchase> Purchases { get; set; } = [];

    public DateTimeOffset? LastReplyAt { get; set; }

    /// <summary>When the customer wrote to us, kept for 90 days (the engagement part of the score).</summary>
    public List<DateTimeOffset> MessagesAt { get; set; } = [];

    public int Referrals { get; set; }

    public CustomerFacts Facts(DateTimeOffset now) => new(Purchases, FirstAddedAt ?? now, LastReplyAt,
        MessagesAt.Count(m => now - m <= TimeSpan.FromDays(90)), Referrals, Accounts.Count > 0 && Accounts.All(a => a.RemovedByCustomer == true));
}

public enum PurchaseOutcome { Recorded, Duplicate }

public enum RefundOutcome { Refunded, AlreadyRefunded, UnknownOrder }

public interface ICustomerGrain : IGrain
{
    Task<CustomerState?> Get();
    Task RecordFriendAdded(string accountId, string? channelId, string? state, IReadOnlyList<string> tags, DateTimeOffset at);
    Task RecordFriendRemoved(string accountId, bool byCustomer, DateTimeOffset at);
    Task RecordTransfer(DateTimeOffset at);
    Task<PurchaseOutcome> RecordPurchase(Purchase purchase);
    Task<RefundOutcome> RecordRefund(string orderId, DateTimeOffset at);
}

/// <summary>
/// A customer, keyed by their external ID (the WeChat ID an operator records, or WeCom's external_userid). Every
/// record is idempotent: the capacity ledger decides whether an event counts, this grain only remembers it.
/// </summary>
public sealed class CustomerGrain(IPersistentState<CustomerState> state) : Grain, ICustomerGrain
{
    Task<CustomerState?> ICustomerGrain.Get() => Task.FromResult(state.RecordExists ? state.State : null);

    Task ICustomerGrain.RecordFriendAdded(string accountId, string? channelId, string? source, IReadOnlyList<string> tags, DateTimeOffset at)
    {
        var s = state.State;
        var current = s.Accounts.FindIndex(a => a.AccountId == accountId && a.RemovedAt is null);
        if (current >= 0 && tags.All(s.Tags.Contains)) return Task.CompletedTask;
        if (current < 0) s.Accounts.Add(new CustomerAccountLink(accountId, at, null, null));
        if (s.FirstAddedAt is null || at < s.FirstAddedAt)
        {
            s.FirstAddedAt = at;
            (s.SourceChannel, s.SourceState) = (channelId, source);
        }
        s.Tags.UnionWith(tags);
        return state.WriteStateAsync();
    }

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

    Task ICustomerGrain.RecordTransfer(DateTimeOffset at)
    {
        if (state.State.TransfersAt.Contains(at)) return Task.CompletedTask;
        state.State.TransfersAt.Add(at);
        return state.WriteStateAsync();
    }

    Task ICustomerGrain.RecordFriendRemoved(string accountId, bool byCustomer, DateTimeOffset at)
    {
        var i = state.State.Accounts.FindIndex(a => a.AccountId == accountId && a.RemovedAt is null);
        if (i < 0) return Task.CompletedTask;
        state.State.Accounts[i] = state.State.Accounts[i] with { RemovedAt = at, RemovedByCustomer = byCustomer };
        return state.WriteStateAsync();
    }
}
