using System.Security.Claims;
using Matrix.Domain.Referrals;
using Matrix.Grains;
using Matrix.Grains.Referrals;
using Matrix.Web.Access;

namespace Matrix.Web.Referrals;

/// <param name="StartsAt">The window's start; an API caller gives its offset, the console the store's local time.</param>
/// <param name="Team">An admin's campaign for one team (a lead's is always their own team's); null: matrix-wide.</param>
public sealed record ReferralRequest(string? Name, string? ChannelId, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, bool NewOnly = true, bool RevokeOnDelete = false,
    int RevokeWithinDays = 0, IReadOnlyList<RewardLevel>? Levels = null, string? Team = null);

/// <param name="Status">upcoming, running or ended, by the store's clock now.</param>
public sealed record ReferralView(string Id, string Name, string ChannelId, string? Team, DateTimeOffset StartsAt, DateTimeOffset EndsAt, bool NewOnly,
    bool RevokeOnDelete, int RevokeWithinDays, IReadOnlyList<RewardLevel> Levels, string Status, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>An inviter's poster: the link its QR carries (the landing page) and the state the add comes back with.</summary>
public sealed record PosterView(string CampaignId, string InviterId, string Token, string State, string Path);

public sealed record InviterView(string CampaignId, string InviterId, InviterStanding? Standing, IReadOnlyList<InviterArrival> Arrivals, IReadOnlyList<ReferralReward> Rewards);

/// <param name="CostPerNew">The rewards' entered value per invitee new to the matrix (null: no value entered, or nobody new yet).</param>
public sealed record ReferralReport(string CampaignId, ReferralTotals Totals, decimal? CostPerNew, DateTimeOffset ComputedAt);

/// <summary>
/// Referral campaigns for the console and the API. Admins and leads create them (a lead's belongs to their team and
/// shows one of their channels); everyone of the team sees them, prints inviters' posters and marks rewards handed out.
/// </summary>
public sealed class ReferralDesk(ReferralStore store, ReferralLedger ledger, AccessService access, AuditLog audit, StoreClock clock)
{
    public async Task<IReadOnlyList<ReferralView>> ListAsync(ClaimsPrincipal user)
    {
        var viewer = AccessService.ViewerOf(user);
        return [.. (await store.ListAsync()).Where(c => Sees(viewer, c)).Select(View)];
    }

    public async Task<ReferralView> GetAsync(ClaimsPrincipal user, string id) => View(await SeenAsync(user, id));

    /// <summary>The channels a new campaign may show (those the reader sees), by name.</summary>
    public async Task<IReadOnlyList<(string Id, string Name)>> ChannelsAsync(ClaimsPrincipal user) =>
        [.. (await access.VisibleChannelsAsync(user)).Select(c => (c.Id, c.Definition.Name)).OrderBy(c => c.Name, StringComparer.Ordinal)];

    public async Task<ReferralView> CreateAsync(ClaimsPrincipal user, ReferralRequest request)
    {
        var viewer = AccessService.ViewerOf(user);
        if (!viewer.Manages) throw new AccessDeniedException("only admins and leads run referral campaigns");
        var team = AccessService.TeamForNew(user, string.IsNullOrWhiteSpace(request.Team) ? null : request.Team.Trim());
        var definition = new ReferralCampaign(request.Name?.Trim() ?? "", request.StartsAt ?? default, request.EndsAt ?? default, request.NewOnly, request.RevokeOnDelete,
            request.RevokeWithinDays, request.Levels ?? []);
        var errors = definition.Validate().ToList();
        if (request.StartsAt is null || request.EndsAt is null) errors.RemoveAll(e => e.Field == "endsAt");
        if (request.EndsAt is null) errors.Insert(0, Domain.FieldError.Of("endsAt", Domain.RuleKeys.Required, "is required"));
        if (request.StartsAt is null) errors.Insert(0, Domain.FieldError.Of("startsAt", Domain.RuleKeys.Required, "is required"));
        if (string.IsNullOrWhiteSpace(request.ChannelId)) errors.Add(Domain.FieldError.Of("channelId", Domain.RuleKeys.Required, "is required"));
        else if (!await access.SeesAsync(() => access.ChannelAsync(user, request.ChannelId, manage: true)))
            errors.Add(Domain.FieldError.Of("channelId", Domain.RuleKeys.Unknown, "no channel '{0}'", request.ChannelId));
        Domain.DomainValidationException.ThrowIfAny(errors);
        var created = await store.CreateAsync(definition, request.ChannelId!, team, viewer.Name);
        await audit.WriteAsync(viewer.Name, "referral.created", created.Id, definition.Name);
        return View(created);
    }

    /// <summary>The inviter's poster (their token made on first asking): any customer the reader sees may invite.</summary>
    public async Task<PosterView> PosterAsync(ClaimsPrincipal user, string id, string? inviterId)
    {
        var campaign = await SeenAsync(user, id);
        var inviter = inviterId?.Trim();
        if (string.IsNullOrEmpty(inviter)) throw Domain.DomainValidationException.Of("inviterId", Domain.RuleKeys.Required, "is required");
        if (!await access.SeesAsync(() => access.CustomerAsync(user, inviter)))
            throw Domain.DomainValidationException.Of("inviterId", Domain.RuleKeys.Unknown, "no customer '{0}'", inviter);
        var token = await store.InviterTokenAsync(campaign.Id, inviter);
        return new(campaign.Id, inviter, token, ReferralState.Format(campaign.Id, token), $"/r/{campaign.Id}/{token}");
    }

    public async Task<IReadOnlyList<InviterStanding>> LeaderboardAsync(ClaimsPrincipal user, string id) => await store.LeaderboardAsync((await SeenAsync(user, id)).Id);

    public async Task<InviterView> InviterAsync(ClaimsPrincipal user, string id, string inviterId)
    {
        var campaign = await SeenAsync(user, id);
        return new(campaign.Id, inviterId, (await store.LeaderboardAsync(campaign.Id, inviterId)).SingleOrDefault(), await store.ArrivalsAsync(campaign.Id, inviterId),
            await store.RewardsAsync(campaign.Id, inviterId: inviterId));
    }

    public async Task<IReadOnlyList<ReferralReward>> RewardsAsync(ClaimsPrincipal user, string id, bool pendingOnly) =>
        await store.RewardsAsync((await SeenAsync(user, id)).Id, pendingOnly);

    /// <summary>Marks a reward handed out (the first marking stands; a second is answered with it).</summary>
    public async Task<ReferralReward> RedeemAsync(ClaimsPrincipal user, string id, string code)
    {
        var campaign = await SeenAsync(user, id);
        var by = AccessService.ViewerOf(user).Name;
        var reward = await ledger.RedeemAsync(campaign.Id, code.Trim(), by) ?? throw new KeyNotFoundException($"reward {code}");
        if (reward.RedeemedBy == by) await audit.WriteAsync(by, "referral.redeemed", campaign.Id, reward.Code);
        return reward;
    }

    public async Task<ReferralReport> ReportAsync(ClaimsPrincipal user, string id)
    {
        var campaign = await SeenAsync(user, id);
        var totals = await store.TotalsAsync(campaign.Id);
        var valued = campaign.Definition.Levels.Any(l => l.Value is not null);
        return new(campaign.Id, totals, valued && totals.New > 0 ? Math.Round(totals.RewardValue / totals.New, 2) : null, clock.UtcNow);
    }

    // A campaign the reader does not see is no campaign to them: the same answer as one that does not exist.
    private async Task<ReferralCampaignRecord> SeenAsync(ClaimsPrincipal user, string id) =>
        (ReferralState.IsCode(id, ReferralState.CampaignIdLength) ? await store.GetAsync(id) : null) is { } campaign && Sees(AccessService.ViewerOf(user), campaign)
            ? campaign : throw new KeyNotFoundException($"referral campaign {id}");

    private static bool Sees(Domain.Access.Viewer viewer, ReferralCampaignRecord c) => viewer.IsAdmin || (viewer.Team is not null && c.Team == viewer.Team);

    private ReferralView View(ReferralCampaignRecord c)
    {
        var d = c.Definition;
        var now = clock.UtcNow;
        return new(c.Id, d.Name, c.ChannelId, c.Team, d.StartsAt, d.EndsAt, d.NewOnly, d.RevokeOnDelete, d.RevokeWithinDays, d.Levels,
            now < d.StartsAt ? "upcoming" : now < d.EndsAt ? "running" : "ended", c.CreatedBy, c.CreatedAt);
    }
}
