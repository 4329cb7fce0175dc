using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Grains.Capacity;
using Matrix.Grains.FollowUps;

namespace Matrix.Grains.Customers;

/// <summary>A person changes what Matrix knows of a customer: the profile (with its referrer) and tags from the managed list.</summary>
public sealed class CustomerProfileService(IGrainFactory grains, CapacityLedger ledger, FollowUpService followUps, StoreClock clock, IEnumerable<ICustomerTagSink> sinks)
{
    /// <returns>False when Matrix does not know the customer.</returns>
    public async Task<bool> UpdateAsync(string customerId, CustomerProfile profile, string by)
    {
        if (!await KnownAsync(customerId)) return false;
        DomainValidationException.ThrowIfAny([.. profile.Validate(customerId)]);
        if (profile.ReferrerId is { } referrer && !await KnownAsync(referrer))
            throw DomainValidationException.Of("referrerId", RuleKeys.Unknown, "no customer '{0}'", referrer);

        CustomerProfile old = new();
        await Conflicts.RetryAsync(async () => old = await grains.Get<ICustomerGrain>(customerId).UpdateProfile(profile, by, clock.UtcNow));
        if (profile.ReferrerId is { } r && old.ReferrerId is null)
            await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(r).RecordReferral(customerId));
        var changed = old.ChangedAttributes(profile).ToHashSet(StringComparer.Ordinal);
        if (changed.Count > 0) await followUps.AttributesChangedAsync(customerId, changed);
        return true;
    }

    /// <returns>False when Matrix does not know the customer.</returns>
    public async Task<bool> ChangeTagsAsync(string customerId, IReadOnlyList<string> add, IReadOnlyList<string> remove, string by)
    {
        if (!await KnownAsync(customerId)) return false;
        var catalog = await grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Get();
        DomainValidationException.ThrowIfAny([.. catalog.Unknown(add)]);
        await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(customerId).ChangeTags(add, remove, by, clock.UtcNow));
        foreach (var sink in sinks) await sink.TagsChangedAsync(customerId, add, remove);
        return true;
    }

    private async Task<bool> KnownAsync(string customerId) => (await ledger.LinksAsync(customerId)).Count > 0;
}
