using System.Security.Claims;
using Matrix.Domain.Customers;
using Matrix.Grains;
using Matrix.Grains.Customers;
using Matrix.Grains.Reports;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;
using Matrix.Web.Api;
using Microsoft.Extensions.Options;

namespace Matrix.Web.ConsoleModel;

/// <summary>A customer's page: the same view the API gives, the timeline, and what is still to be done for them.</summary>
/// <param name="HandTags">Tags a person gave (they can be taken off); the others came with a channel.</param>
public sealed record CustomerPage(CustomerView View, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<WorkTask> Pending, IReadOnlySet<string> HandTags);

/// <summary>Customers for the console: found only among the accounts the viewer sees; tags from the managed list.</summary>
public sealed class CustomerDesk(AccessService access, CustomerSearch search, CustomerReader reader, CustomerProfileService profiles, TaskStore tasks,
    IOptions<CustomerSettings> settings, StoreClock clock)
{
    public async Task<IReadOnlyList<CustomerHit>> FindAsync(ClaimsPrincipal user, string text) =>
        await search.FindAsync([.. (await access.VisibleAccountsAsync(user)).Select(a => a.Id)], text);

    public async Task<CustomerPage?> OpenAsync(ClaimsPrincipal user, string id)
    {
        await access.CustomerAsync(user, id);
        if (await reader.GetAsync(id) is not { } customer) return null;
        var all = await tasks.ForCustomerAsync(id);
        return new(CustomerView.From(customer, settings.Value, clock.UtcNow), CustomerTimeline.Build(customer, all), [.. all.Where(t => t.Status == "open")],
            customer.State.Tags);
    }

    public async Task TagAsync(ClaimsPrincipal user, string id, IReadOnlyList<string> add, IReadOnlyList<string> remove)
    {
        await access.CustomerAsync(user, id);
        await profiles.ChangeTagsAsync(id, add, remove, AccountDesk.By(user));
    }
}
