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

/// <summary>A customer's row in the list: who they are to the store and who holds them now.</summary>
/// <param name="Owners">The WeChat IDs of the accounts the customer is a friend of now.</param>
public sealed record CustomerRow(CustomerHit Hit, CustomerView? View, IReadOnlyList<string> Owners, DateTimeOffset? LastTouch, string? ChannelName);

/// <summary>One page of a search, how many customers matched (or "over" when <paramref name="TotalIsLowerBound"/>), and whether more follow.</summary>
public sealed record CustomerRows(IReadOnlyList<CustomerRow> Rows, int Total, bool TotalIsLowerBound, bool More)
{
    /// <summary>Where the next page starts.</summary>
    public CustomerCursor? Next => More && Rows.Count > 0 ? new(Rows[^1].Hit.FirstAddedAt, Rows[^1].Hit.Id) : null;
}

/// <summary>A touch a running plan will make, before it becomes a task on the day it falls due.</summary>
public sealed record PlannedTouch(string PlanName, DateTimeOffset DueAt);

/// <summary>A customer's page: the same view the API gives, the timeline, and what is still to be done for them.</summary>
/// <param name="HandTags">Tags a person gave (they can be taken off); the others came with a channel.</param>
public sealed record CustomerPage(CustomerView View, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<WorkTask> Pending, IReadOnlySet<string> HandTags,
    IReadOnlyList<PlannedTouch> Planned, IReadOnlyList<string> Owners, IReadOnlyDictionary<string, string> ChannelNames);

/// <summary>Customers for the console: found only among the accounts the viewer sees; tags from the managed list.</summary>
public sealed class CustomerDesk(AccessService access, CustomerSearch search, CustomerReader reader, CustomerProfileService profiles, TaskStore tasks,
    MatrixDirectory directory, IOptions<CustomerSettings> settings, StoreClock clock)
{
    /// <summary>A page of the customers matching <paramref name="text"/>; each row read from its grain, so class and band are today's.</summary>
    public async Task<CustomerRows> PageAsync(ClaimsPrincipal user, string text, CustomerCursor? after, int take)
    {
        var accounts = (await access.VisibleAccountsAsync(user)).ToDictionary(a => a.Id, a => a.Profile.WeChatId);
        var page = await search.PageAsync(AccessService.ViewerOf(user).IsAdmin ? null : accounts.Keys, text, after, take);
        var channels = (await directory.ChannelsAsync()).ToDictionary(c => c.Id, c => c.Definition.Name);
        var now = clock.UtcNow;
        var shown = await reader.GetManyAsync([.. page.Hits.Select(h => h.Id)]);
        var rows = page.Hits.Select(hit =>
        {
            var customer = shown.GetValueOrDefault(hit.Id);
            var view = customer is null ? null : CustomerView.From(customer, settings.Value, now);
            return new CustomerRow(hit, view, customer is null ? [] : OwnersOf(customer, accounts), customer?.State.TouchesAt.DefaultIfEmpty().Max() is { } t && t != default ? t : null,
                hit.Channel is { } c ? channels.GetValueOrDefault(c, c) : null);
        }).ToArray();
        return new(rows, page.Total, page.TotalIsLowerBound, page.More);
    }

    public async Task<CustomerPage?> OpenAsync(ClaimsPrincipal user, string id)
    {
        await access.CustomerAsync(user, id);
        if (await reader.GetAsync(id) is not { } customer) return null;
        var all = await tasks.ForCustomerAsync(id);
        var plans = (await directory.PlansAsync()).ToDictionary(p => p.Id, p => p.Plan);
        var accounts = (await access.VisibleAccountsAsync(user)).ToDictionary(a => a.Id, a => a.Profile.WeChatId);
        var planned = customer.State.Plans.Where(p => plans.ContainsKey(p.Key))
            .Select(p => new PlannedTouch(plans[p.Key].Name, p.Value.DueAt(plans[p.Key], clock.Zone))).OrderBy(p => p.DueAt).ToList();
        return new(CustomerView.From(customer, settings.Value, clock.UtcNow), CustomerTimeline.Build(customer, all), [.. all.Where(t => t.Status == "open")],
            customer.State.Tags, planned, OwnersOf(customer, accounts), (await directory.ChannelsAsync()).ToDictionary(c => c.Id, c => c.Definition.Name));
    }

    public async Task TagAsync(ClaimsPrincipal user, string id, IReadOnlyList<string> add, IReadOnlyList<string> remove)
    {
        await access.CustomerAsync(user, id);
        await profiles.ChangeTagsAsync(id, add, remove, AccountDesk.By(user));
    }

    /// <summary>Name, remark, phone and attributes, as the API's profile update (the referrer is kept: it is never changed afterwards).</summary>
    public async Task UpdateProfileAsync(ClaimsPrincipal user, string id, CustomerProfile profile)
    {
        await access.CustomerAsync(user, id);
        await profiles.UpdateAsync(id, profile, AccountDesk.By(user));
    }

    private static IReadOnlyList<string> OwnersOf(CustomerRecord customer, IReadOnlyDictionary<string, string> visible) =>
        [.. customer.Accounts.Where(l => l.RemovedAt is null && visible.ContainsKey(l.AccountId)).Select(l => visible[l.AccountId])];
}
