using Matrix.Domain.Referrals;

namespace Matrix.Web.Components.LiveCode;

/// <summary>A referral landing page's campaign, and whether it runs now (upcoming, running, ended).</summary>
public sealed record ReferralInvite(ReferralCampaign Campaign, string Status);
