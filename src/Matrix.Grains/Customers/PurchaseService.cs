using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Domain.Reports;
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

        await ClaimOrderAsync(purchase, customerId);
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
        // Also on a retry (AlreadyRefunded): the first attempt may have stopped between the grain and the table.
        if (outcome != RefundOutcome.UnknownOrder) await MarkRefundedAsync(e.OrderId, e.At);
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

    /// <summary>
    /// Claims the order id for the customer and keeps the order as a fact for the reports (Migrations/0017), attributed
    /// to the last touch done for the customer within <see cref="Attribution.Window"/> before it.
    /// </summary>
    private async Task ClaimOrderAsync(Purchase purchase, string customerId)
    {
        await using var cmd = db.CreateCommand("""
            with touch as (
                select account_id, origin from (
                    select account_id, origin, done_at from tasks where customer_id = $2 and status = 'done' and done_at <= $4 and done_at > $4 - $7
                    union all
                    select account_id, origin, done_at from tasks_archive where customer_id = $2 and status = 'done' and done_at <= $4 and done_at > $4 - $7) t
                 order by done_at desc limit 1),
            home as (
                select account_id from account_friends where external_id = $2 and added_at <= $4 order by added_at desc limit 1),
            claim as (
                insert into purchase_orders (order_id, customer_id, claimed_at, at, amount, categories, account_id, touch_account_id, touch_origin)
                select $1, $2, $3, $4, $5, $6, coalesce((select account_id from touch), (select account_id from home),
                                                         (select account_id from account_friends where external_id = $2 order by added_at limit 1)),
                       (select account_id from touch), (select origin from touch)
                on conflict (order_id) do nothing returning customer_id)
            select customer_id from claim union all select customer_id from purchase_orders where order_id = $1 limit 1
            """);
        cmd.Parameters.Add(new() { Value = purchase.OrderId });
        cmd.Parameters.Add(new() { Value = customerId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = purchase.At.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = purchase.Amount });
        cmd.Parameters.Add(new() { Value = purchase.Items.Where(i => i.Category is not null).Select(i => i.Category!).Distinct().ToArray() });
        cmd.Parameters.Add(new() { Value = Attribution.Window });
        if (await cmd.ExecuteScalarAsync() is string owner && owner != customerId)
            throw new DomainValidationException("orderId", $"order {purchase.OrderId} was already recorded for another customer");
    }

    private async Task MarkRefundedAsync(string orderId, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("update purchase_orders set refunded_at = $2 where order_id = $1 and refunded_at is null");
        cmd.Parameters.Add(new() { Value = orderId });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }
}
