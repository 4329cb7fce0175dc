using Matrix.Domain.Customers;
using Matrix.Runtime;

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
}

public enum PurchaseOutcome { Recorded, Duplicate }

public enum RefundOutcome { Refunded, AlreadyRefunded, UnknownOrder }

public interface ICustomerGrain : IGrain
{
    Task<CustomerState> Get();
    Task RecordTransfer(DateTimeOffset at);
    Task RecordMessage(DateTimeOffset at);
    Task RecordTouch(DateTimeOffset at);
    Task<PurchaseOutcome> RecordPurchase(Purchase purchase);
    Task<RefundOutcome> RecordRefund(string orderId, DateTimeOffset at);
}

/// <summary>A customer, keyed by their external ID (the WeChat ID an operator records, or WeCom's external_userid).</summary>
public sealed class CustomerGrain(IPersistentState<CustomerState> state) : Grain, ICustomerGrain
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
        return state.WriteStateAsync();
    }

    Task ICustomerGrain.RecordTransfer(DateTimeOffset at)
    {
        if (state.State.TransfersAt.Contains(at)) return Task.CompletedTask;
        state.State.TransfersAt.Add(at);
        return state.WriteStateAsync();
    }
}
