using System.Security.Claims;
using Matrix.Domain.Campaigns;
using Matrix.Grains;
using Matrix.Grains.Campaigns;
using Matrix.Grains.Segments;
using Matrix.Web.Access;

namespace Matrix.Web.Campaigns;

public sealed record CampaignRequest(string? Name, string? SegmentId, string? Template, string? ImageUrl = null, string? Link = null, CampaignSchedule? Schedule = null);

/// <summary>A campaign as the console and the API show it, with its progress over the reader's accounts.</summary>
/// <param name="Recipients">Recipients frozen so far (every occurrence); <paramref name="Pending"/> of them not yet placed.</param>
public sealed record CampaignView(string Id, string Name, string SegmentId, string? SegmentName, string? Team, string Template, string? ImageUrl, string? Link,
    CampaignSchedule Schedule, string Status, DateTimeOffset? NextAt, int Occurrences, int Recipients, int Pending, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>The customers an occurrence would reach now: how many, and the first 20 with the account each would go from.</summary>
public sealed record CampaignAudience(int Count, IReadOnlyList<string> Sample, DateTimeOffset? CountedAt, DateTimeOffset ComputedAt);

public sealed record CampaignAccountRow(string? AccountId, string? WeChatId, int Recipients, int Placed, int Deferred, int Skipped, int Sent, int Replied, int Lost,
    int Purchases, decimal Amount);

public sealed record CampaignResultsView(string Id, string Scope, IReadOnlyList<CampaignAccountRow> Accounts, IReadOnlyDictionary<string, int> SkippedBy, int Pending,
    DateTimeOffset ComputedAt);

/// <summary>
/// Campaigns for the console and the API. Admins and leads create and cancel them (a lead's go to a segment of their
/// team and are sent from its accounts); operators see their team's. A campaign is sent from the accounts of its
/// segment's team (every account for a matrix-wide segment), and its results are over the reader's accounts.
/// </summary>
public sealed class CampaignDesk(CampaignStore store, CampaignResults results, SegmentStore segments, AccessService access, MatrixDirectory directory,
    IGrainFactory grains, AuditLog audit, StoreClock clock)
{
    public async Task<IReadOnlyList<CampaignView>> ListAsync(ClaimsPrincipal user)
    {
        var viewer = AccessService.ViewerOf(user);
        var names = (await segments.ListAsync(withCounts: false)).ToDictionary(s => s.Id, s => s.Name);
        var seen = (await store.ListAsync()).Where(c => Sees(viewer, c)).ToList();
        var progress = await store.ProgressAsync([.. seen.Select(c => c.Id)]);
        return [.. seen.Select(c => View(c, names.GetValueOrDefault(c.Definition.SegmentId), progress.GetValueOrDefault(c.Id)))];
    }

    public async Task<CampaignView> GetAsync(ClaimsPrincipal user, string id)
    {
        var c = await SeenAsync(user, id);
        return await ViewAsync(c, (await segments.GetAsync(c.Definition.SegmentId))?.Name);
    }

    public async Task<CampaignView> CreateAsync(ClaimsPrincipal user, CampaignRequest request)
    {
        var viewer = AccessService.ViewerOf(user);
        if (!viewer.Manages) throw new AccessDeniedException("only admins and leads send campaigns");
        var definition = new CampaignDefinition(request.Name ?? "", request.SegmentId ?? "", request.Template ?? "", Blank(request.ImageUrl), Blank(request.Link),
            request.Schedule!);
        definition.Validate(clock.UtcNow, clock.Zone);
        var segment = await SegmentOfAsync(viewer, definition.SegmentId);
        var campaign = await store.CreateAsync(definition, segment.Team, viewer.Name);
        await audit.WriteAsync(viewer.Name, "campaign.created", campaign.Id, definition.Name);
        await grains.GetGrain<ICampaignGrain>(campaign.Id).Start();
        return await ViewAsync(campaign, segment.Name);
    }

    public async Task<CampaignView> CancelAsync(ClaimsPrincipal user, string id)
    {
        await SeenAsync(user, id, manage: true);
        if (await store.CancelAsync(id)) await audit.WriteAsync(AccessService.ViewerOf(user).Name, "campaign.cancelled", id);
        return await GetAsync(user, id);
    }

    /// <summary>Who a segment's occurrence would reach now, among the reader's customers.</summary>
    public async Task<CampaignAudience> AudienceAsync(ClaimsPrincipal user, string? segmentId)
    {
        var segment = await SegmentOfAsync(AccessService.ViewerOf(user), segmentId);
        var scope = await ScopeAsync(user);
        var count = scope is null ? segment.Members : await segments.CountAsync(segment.Id, scope);
        var sample = await segments.MembersAsync(segment.Id, scope, null, 20);
        return new(count, [.. sample.Select(m => m.CustomerId)], segment.CountedAt, clock.UtcNow);
    }

    public async Task<CampaignResultsView> ResultsAsync(ClaimsPrincipal user, string id)
    {
        await SeenAsync(user, id);
        var scope = await ScopeAsync(user);
        var result = await results.OfAsync(id, scope);
        var names = (await directory.AccountsAsync(ids: [.. result.Accounts.Where(a => a.AccountId is not null).Select(a => a.AccountId!)]))
            .ToDictionary(a => a.Id, a => a.Profile.WeChatId);
        return new(id, scope is null ? "all" : "team", [.. result.Accounts.Select(a => new CampaignAccountRow(a.AccountId, a.AccountId is { } i ? names.GetValueOrDefault(i, i) : null,
            a.Recipients, a.Placed, a.Deferred, a.Skipped, a.Sent, a.Replied, a.Lost, a.Purchases, a.Amount))
            .OrderBy(r => r.WeChatId is null).ThenBy(r => r.WeChatId, StringComparer.Ordinal)], result.SkippedBy, result.Pending, clock.UtcNow);
    }

    // A segment the reader does not see is no segment to them: the same answer as one that does not exist.
    private async Task<Segment> SegmentOfAsync(Domain.Access.Viewer viewer, string? id) =>
        (id is null ? null : await segments.GetAsync(id)) is { } segment && (viewer.IsAdmin || (viewer.Team is not null && segment.Team == viewer.Team))
            ? segment : throw Domain.DomainValidationException.Of("segmentId", Domain.RuleKeys.Unknown, "no such segment");

    private async Task<CampaignView> ViewAsync(Campaign c, string? segmentName) =>
        View(c, segmentName, (await store.ProgressAsync([c.Id])).GetValueOrDefault(c.Id));

    private static CampaignView View(Campaign c, string? segmentName, (int Recipients, int Pending) progress)
    {
        var (recipients, pending) = progress;
        var d = c.Definition;
        return new(c.Id, d.Name, d.SegmentId, segmentName, c.Team, d.Template, d.ImageUrl, d.Link, d.Schedule, c.Status, c.NextAt, c.Occurrences, recipients, pending,
            c.CreatedBy, c.CreatedAt);
    }

    private async Task<Campaign> SeenAsync(ClaimsPrincipal user, string id, bool manage = false)
    {
        var viewer = AccessService.ViewerOf(user);
        var campaign = await store.GetAsync(id);
        if (campaign is null || !Sees(viewer, campaign)) throw new KeyNotFoundException($"campaign {id}");
        if (manage && !viewer.Manages) throw new AccessDeniedException("only admins and leads send campaigns");
        return campaign;
    }

    private static bool Sees(Domain.Access.Viewer viewer, Campaign c) => viewer.IsAdmin || (viewer.Team is not null && c.Team == viewer.Team);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private async Task<string[]?> ScopeAsync(ClaimsPrincipal user) =>
        AccessService.ViewerOf(user).IsAdmin ? null : [.. (await access.VisibleAccountsAsync(user)).Select(a => a.Id)];
}
