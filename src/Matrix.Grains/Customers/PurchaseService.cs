using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Grains.Capacity;
using Npgsql;

namespace Matrix.Grains.Customers;

/// <summary>A purchase from a till or a shop: for a customer id, or for the account and external id the till knows.</summary>
public sealed record PurchaseEvent(string OrderId, decimal Amount, DateTimeOffset At, IReadOnlyList<PurchaseItem>? Items = null,
    string? CustomerId = null, string? AccountId = null, string? ExternalId = null);

public sealed record RefundEvent(string OrderId, DateTimeOffset At);

/// <summary>Purchases and refunds: validated by the domain, claimed once per order id, remembered by the customer grain.</summary>
public sealed class PurchaseService(IGrainFactory grains, CapacityLedger ledger, NpgsqlDataSource db, StoreClock clock, FollowUps.FollowUpService followUps,
    Microsoft.Extensions.Options.IOptions<MatrixOptions> options)
{
    public async Task<PurchaseOutcome?> PurchaseAsync(PurchaseEvent e)
    {
        var purchase = new Purchase(e.OrderId, e.Amount, e.Items ?? [], e.At);
        CustomerRules.Validate(purchase);
        TimeWindows.ThrowIfAny(options.Value.Times.Event("at", e.At, clock.UtcNow));
        var customerId = e.CustomerId ?? e.ExternalId;
        if (string.IsNullOrWhiteSpace(customerId))
            throw new DomainValidationException("customerId", "give customerId, or accountId and externalId");
        if (e.CustomerId is null && string.IsNullOrWhiteSpace(e.AccountId))
            throw new DomainValidationException("accountId", "is required with externalId");

        var links = await ledger.LinksAsync(customerId);
        if (links.Count == 0) return null;
        if (e.AccountId is { } account && !links.Any(a => a.AccountId == account))
            throw new DomainValidationException("accountId", $"customer {customerId} is not a friend of account {account}");

        await ClaimOrderAsync(e.OrderId, customerId);
        PurchaseOutcome outcome = default;
        var customer = grains.Get<ICustomerGrain>(customerId);
        await Conflicts.RetryAsync(async () => outcome = await customer.RecordPurchase(purchase));
        // A duplicate may be the retry of a purchase whose follow-ups never started (the node died after recording
        // it): it completes them, from the purchase as recorded. A purchase whose follow-ups ran changes nothing.
        var recorded = outcome == PurchaseOutcome.Recorded ? purchase
            : await FollowedUpAsync(e.OrderId) ? null
            : (await customer.Get()).Purchases.FirstOrDefault(p => p.OrderId == e.OrderId);
        if (recorded is not null)
        {
            await followUps.PurchasedAsync(customerId, recorded.At,
                recorded.Items.Where(i => i.Category is not null).Select(i => i.Category!).ToHashSet(StringComparer.OrdinalIgnoreCase));
            await using var done = db.CreateCommand("update purchase_orders set followed_up_at = now() where order_id = $1 and followed_up_at is null");
            done.Parameters.Add(new() { Value = e.OrderId });
            await done.ExecuteNonQueryAsync();
        }
        return outcome;
    }

    public async Task<RefundOutcome> RefundAsync(RefundEvent e)
    {
        if (string.IsNullOrWhiteSpace(e.OrderId)) throw new DomainValidationException("orderId", "is required");
        TimeWindows.ThrowIfAny(options.Value.Times.Event("at", e.At, clock.UtcNow));
        if (await OrderCustomerAsync(e.OrderId) is not { } customerId) return RefundOutcome.UnknownOrder;
        RefundOutcome outcome = default;
        await Conflicts.RetryAsync(async () => outcome = await grains.Get<ICustomerGrain>(customerId).RecordRefund(e.OrderId, e.At));
        return outcome;
    }

    private async Task<bool> FollowedUpAsync(string orderId)
    {
        await using var cmd = db.CreateCommand("select followed_up_at is not null from purchase_orders where order_id = $1");
        cmd.Parameters.Add(new() { Value = orderId });
        return await cmd.ExecuteScalarAsync() is true;
    }

    /// <summary>The customer an order was recorded for, if any.</summary>
    public async Task<string?> OrderCustomerAsync(string orderId)
    {
        await using var cmd = db.CreateCommand("select customer_id from purchase_orders where order_id = $1");
        cmd.Parameters.Add(new() { Value = orderId ?? "" });
        return await cmd.ExecuteScalarAsync() as string;
    }

    private async Task ClaimOrderAsync(string orderId, string customerId)
    {
        await using var cmd = db.CreateCommand("""
            with claim as (insert into purchase_orders values ($1, $2, $3) on conflict (order_id) do nothing returning customer_id)
            select customer_id from claim union all select customer_id from purchase_orders where order_id = $1 limit 1
            """);
        cmd.Parameters.Add(new() { Value = orderId });
        cmd.Parameters.Add(new() { Value = customerId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        if (await cmd.ExecuteScalarAsync() is string owner && owner != customerId)
            throw new DomainValidationException("orderId", $"order {orderId} was already recorded for another customer");
    }
}
