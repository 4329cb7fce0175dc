using Matrix.Domain;
using Matrix.Grains.Capacity;

namespace Matrix.Grains.Customers;

/// <summary>A customer wrote to one of our accounts.</summary>
public sealed record MessageReceivedEvent(string AccountId, string CustomerId, DateTimeOffset At);

/// <summary>Engagement: a message counts for the score and resets the customer's "no reply" clock.</summary>
public sealed class MessageService(IGrainFactory grains, CapacityLedger ledger, FollowUps.FollowUpService followUps, StoreClock clock, Npgsql.NpgsqlDataSource db,
    Microsoft.Extensions.Options.IOptions<MatrixOptions> options)
{
    public async Task<bool> ReceivedAsync(MessageReceivedEvent e)
    {
        if (string.IsNullOrWhiteSpace(e.AccountId)) throw new DomainValidationException("accountId", "is required");
        if (string.IsNullOrWhiteSpace(e.CustomerId)) throw new DomainValidationException("customerId", "is required");
        Domain.TimeWindows.ThrowIfAny(options.Value.Times.Event("at", e.At, clock.UtcNow));
        if (!(await ledger.LinksAsync(e.CustomerId)).Any(l => l.AccountId == e.AccountId && l.RemovedAt is null)) return false;
        await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(e.CustomerId).RecordMessage(e.At));
        // The account report's replies (Migrations/0017); a retried event is the same row.
        await using (var reply = db.CreateCommand("insert into replies (account_id, customer_id, at) values ($1, $2, $3) on conflict do nothing"))
        {
            reply.Parameters.Add(new() { Value = e.AccountId });
            reply.Parameters.Add(new() { Value = e.CustomerId });
            reply.Parameters.Add(new() { Value = e.At.ToUniversalTime() });
            await reply.ExecuteNonQueryAsync();
        }
        await followUps.MessageReceivedAsync(e.CustomerId);
        return true;
    }
}
