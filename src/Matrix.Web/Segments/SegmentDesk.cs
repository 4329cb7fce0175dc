using System.Security.Claims;
using Matrix.Domain.Segments;
using Matrix.Grains;
using Matrix.Grains.Segments;
using Matrix.Web.Access;

namespace Matrix.Web.Segments;

/// <summary>A segment as its reader sees it: the members they may see, counted when the segment was last counted.</summary>
/// <param name="Members">Members among the reader's customers (all, for an admin).</param>
/// <param name="CountedAt">When the members were last counted in full (the events since have moved them already); null while the first count runs.</param>
public sealed record SegmentView(string Id, string Name, string? Team, SegmentPredicate Predicate, int Version, bool Counting, int Members, DateTimeOffset? CountedAt,
    DateTimeOffset UpdatedAt, string CreatedBy);

/// <summary>A predicate's count and first customers now, among the reader's customers.</summary>
/// <param name="CountedIn">memory (the facts every node holds) or database (while they load after a start, and for orders of a category or window).</param>
public sealed record SegmentPreview(int Count, IReadOnlyList<string> Sample, DateTimeOffset ComputedAt, string CountedIn);

public sealed record SegmentRequest(string? Name, SegmentPredicate? Predicate, string? Team = null);

/// <summary>What the predicate builder offers: the reader's channels, accounts, personas and teams (id, name), and the managed tags by dimension.</summary>
public sealed record SegmentChoices(IReadOnlyList<(string Id, string Name)> Channels, IReadOnlyList<(string Id, string Name)> Accounts,
    IReadOnlyList<(string Id, string Name)> Personas, IReadOnlyList<string> Teams, IReadOnlyDictionary<string, IReadOnlyList<string>> Tags);

/// <summary>
/// Segments for the console and the API. Admins see and change every segment; a lead their team's; an operator sees
/// their team's. Every count and list is over the customers the reader may see (a lead's team's accounts).
/// </summary>
public sealed class SegmentDesk(SegmentStore store, AccessService access, MatrixDirectory directory, IGrainFactory grains, StoreClock clock)
{
    public async Task<SegmentChoices> ChoicesAsync(ClaimsPrincipal user)
    {
        var accounts = await access.VisibleAccountsAsync(user);
        var personas = accounts.Select(a => a.Profile.PersonaId).ToHashSet();
        var tags = await grains.Get<Grains.Customers.ITagCatalogGrain>(Grains.Customers.TagCatalogGrain.Key).Get();
        return new(
            [.. (await directory.ChannelsAsync()).Where(c => c.Definition.PersonaId is { } p && personas.Contains(p)).Select(c => (c.Id, c.Definition.Name))],
            [.. accounts.Select(a => (a.Id, a.Profile.WeChatId))],
            [.. (await directory.PersonasAsync()).Where(p => personas.Contains(p.Id)).Select(p => (p.Id, p.Details.Nickname))],
            [.. accounts.Select(a => a.Profile.Team).OfType<string>().Distinct().Order(StringComparer.Ordinal)],
            tags.Dimensions);
    }

    public async Task<IReadOnlyList<SegmentView>> ListAsync(ClaimsPrincipal user)
    {
        var viewer = AccessService.ViewerOf(user);
        var scope = await ScopeAsync(user);
        var list = new List<SegmentView>();
        // An admin's counts are every member's, read with the list; another reader's are counted over their accounts instead.
        foreach (var s in (await store.ListAsync(withCounts: scope is null)).Where(s => Sees(viewer, s))) list.Add(await ViewAsync(s, scope));
        return list;
    }

    public async Task<SegmentView> GetAsync(ClaimsPrincipal user, string id) => await ViewAsync(await SeenAsync(user, id), await ScopeAsync(user));

    public async Task<SegmentPreview> PreviewAsync(ClaimsPrincipal user, SegmentPredicate? predicate)
    {
        await store.ValidateAsync(predicate);
        var counted = await store.PreviewAsync(predicate!, await ScopeAsync(user));
        return new(counted.Count, counted.Sample, clock.UtcNow, counted.InMemory ? "memory" : "database");
    }

    public async Task<SegmentView> SaveAsync(ClaimsPrincipal user, string? id, SegmentRequest request)
    {
        var viewer = AccessService.ViewerOf(user);
        if (!viewer.Manages) throw new AccessDeniedException("only admins and leads keep segments");
        if (id is not null) await SeenAsync(user, id, manage: true);
        var team = viewer.IsAdmin ? request.Team : viewer.Team;
        var saved = await store.SaveAsync(id, request.Name ?? "", team, request.Predicate!, viewer.Name);
        return await ViewAsync(saved, await ScopeAsync(user));
    }

    public async Task DeleteAsync(ClaimsPrincipal user, string id)
    {
        await SeenAsync(user, id, manage: true);
        await store.DeleteAsync(id);
    }

    public async Task<IReadOnlyList<(string CustomerId, DateTimeOffset EnteredAt, string Reason)>> MembersAsync(ClaimsPrincipal user, string id, string? after, int limit)
    {
        await SeenAsync(user, id);
        return await store.MembersAsync(id, await ScopeAsync(user), after, limit);
    }

    public async Task<IReadOnlyList<SegmentChange>> HistoryAsync(ClaimsPrincipal user, string customerId)
    {
        await access.CustomerAsync(user, customerId);
        var viewer = AccessService.ViewerOf(user);
        var seen = (await store.ListAsync(withCounts: false)).Where(s => Sees(viewer, s)).Select(s => s.Id).ToHashSet();
        return [.. (await store.HistoryAsync(customerId)).Where(h => seen.Contains(h.SegmentId))];
    }

    private async Task<SegmentView> ViewAsync(Segment s, string[]? scope)
    {
        var members = scope is null ? s.Members : await store.CountAsync(s.Id, scope);
        return new(s.Id, s.Name, s.Team, s.Predicate, s.Version, s.CountedVersion != s.Version, members, s.CountedAt, s.UpdatedAt, s.CreatedBy);
    }

    private async Task<Segment> SeenAsync(ClaimsPrincipal user, string id, bool manage = false)
    {
        var viewer = AccessService.ViewerOf(user);
        var segment = await store.GetAsync(id);
        if (segment is null || !Sees(viewer, segment)) throw new KeyNotFoundException($"segment {id}");
        if (manage && !viewer.Manages) throw new AccessDeniedException("only admins and leads keep segments");
        return segment;
    }

    private static bool Sees(Domain.Access.Viewer viewer, Segment s) => viewer.IsAdmin || (viewer.Team is not null && s.Team == viewer.Team);

    /// <summary>The accounts whose customers the reader may count (null: every account, an admin).</summary>
    private async Task<string[]?> ScopeAsync(ClaimsPrincipal user) =>
        AccessService.ViewerOf(user).IsAdmin ? null : [.. (await access.VisibleAccountsAsync(user)).Select(a => a.Id)];
}
