using Matrix.Domain;
using Matrix.Grains.Capacity;

namespace Matrix.Grains.Customers;

/// <summary>A customer wrote to one of our accounts.</summary>
public sealed record MessageReceivedEvent(string AccountId, string CustomerId, DateTimeOffset At);

/// <summary>Engagement: a message counts for the score and resets the customer's "no reply" clock.</summary>
public sealed class MessageService(IGrainFactory grains, CapacityLedger ledger, FollowUps.FollowUpService followUps, StoreClock clock,
    Microsoft.Extensions.Options.IOptions<MatrixOptions> options)
{
    public async Task<bool> ReceivedAsync(MessageReceivedEvent e)
    {
        if (string.IsNullOrWhiteSpace(e.AccountId)) throw new DomainValidationException("accountId", "is required");
        if (string.IsNullOrWhiteSpace(e.CustomerId)) throw new DomainValidationException("customerId", "is required");
        Domain.TimeWindows.ThrowIfAny(options.Value.Times.Event("at", e.At, clock.UtcNow));
        if (!(await ledger.LinksAsync(e.CustomerId)).Any(l => l.AccountId == e.AccountId && l.RemovedAt is null)) return false;
        await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(e.CustomerId).RecordMessage(e.At));
        await followUps.MessageReceivedAsync(e.CustomerId);
        return true;
    }
}
