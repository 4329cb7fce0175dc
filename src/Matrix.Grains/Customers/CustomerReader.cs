using Matrix.Domain.Customers;
using Matrix.Grains.Capacity;

namespace Matrix.Grains.Customers;

/// <summary>A customer whole: the friendships from the ledger and what the customer grain keeps.</summary>
public sealed record CustomerRecord(string Id, IReadOnlyList<FriendLink> Accounts, CustomerState State)
{
    public DateTimeOffset? FirstAddedAt => Accounts.Count == 0 ? null : Accounts.Min(a => a.AddedAt);

    /// <summary>The channel of the first friendship: where the customer came from.</summary>
    public FriendLink? Source => Accounts.MinBy(a => a.AddedAt);

    public IReadOnlyCollection<string> Tags => State.Tags.Concat(Accounts.SelectMany(a => a.ChannelTags)).ToHashSet(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public CustomerFacts Facts(DateTimeOffset now) => new(State.Purchases, FirstAddedAt ?? now, State.LastReplyAt,
        State.MessagesAt.Count(m => now - m <= TimeSpan.FromDays(90)), State.Referred.Count,
        Accounts.Count > 0 && Accounts.All(a => a.RemovedByCustomer == true));
}

public sealed class CustomerReader(IGrainFactory grains, CapacityLedger ledger)
{
    /// <summary>The customer, or null when Matrix has never heard of them (no friendship, no purchase).</summary>
    public async Task<CustomerRecord?> GetAsync(string id)
    {
        var links = await ledger.LinksAsync(id);
        if (links.Count == 0) return null;
        return new CustomerRecord(id, links, await grains.Get<ICustomerGrain>(id).Get());
    }

    /// <summary>Several customers (a page of a list): their friendships in one statement, their grains side by side.</summary>
    public async Task<IReadOnlyDictionary<string, CustomerRecord>> GetManyAsync(IReadOnlyCollection<string> ids)
    {
        var links = await ledger.LinksAsync(ids);
        var records = await Task.WhenAll(links.Select(async l => new CustomerRecord(l.Key, l.Value, await grains.Get<ICustomerGrain>(l.Key).Get())));
        return records.ToDictionary(r => r.Id);
    }
}
