namespace Matrix.Domain.Referrals;

/// <summary>A reward an inviter earns on reaching <paramref name="Friends"/> credited invitees (3 → a cleaning voucher).</summary>
/// <param name="Value">What the reward costs the store in yuan, if entered (for the cost per new customer).</param>
public sealed record RewardLevel(int Friends, string Reward, decimal? Value = null);

/// <summary>
/// A referral campaign (裂变): invitees an inviter brings within the window, in the store's time, earn them rewards by
/// level. <paramref name="NewOnly"/>: only an invitee with no earlier relationship with any account of the matrix
/// counts (a deleted friendship included). <paramref name="RevokeOnDelete"/>: an invitee who deletes us within
/// <paramref name="RevokeWithinDays"/> of their credit takes it back.
/// </summary>
public sealed record ReferralCampaign(string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, bool NewOnly, bool RevokeOnDelete, int RevokeWithinDays,
    IReadOnlyList<RewardLevel> Levels)
{
    public const int LevelsMax = 10;

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "name", Name, 64);
        if (EndsAt <= StartsAt) errors.Add(FieldError.Of("endsAt", RuleKeys.EndAfterStart, "must be after startsAt"));
        if (RevokeOnDelete && RevokeWithinDays is < 1 or > 90)
            errors.Add(FieldError.Of("revokeWithinDays", RuleKeys.Between, "must be between {0} and {1}", 1, 90));
        if (Levels.Count is 0 or > LevelsMax) errors.Add(FieldError.Of("levels", RuleKeys.Between, "must be between {0} and {1}", 1, LevelsMax));
        for (var i = 0; i < Levels.Count; i++)
        {
            if (Levels[i].Friends < 1) errors.Add(FieldError.Of($"levels[{i}].friends", RuleKeys.AtLeast, "must be at least {0}", 1));
            else if (i > 0 && Levels[i].Friends <= Levels[i - 1].Friends)
                errors.Add(FieldError.Of($"levels[{i}].friends", RuleKeys.AtLeast, "must be at least {0}, more than the level before", Levels[i - 1].Friends + 1));
            Check.Text(errors, $"levels[{i}].reward", Levels[i].Reward, 64);
            if (Levels[i].Value < 0) errors.Add(FieldError.Of($"levels[{i}].value", RuleKeys.NotNegative, "must not be negative"));
        }
        return errors;
    }
}

/// <summary>What an invitee's arrival is, as far as the campaign's rules can tell from the facts at the event's time.</summary>
/// <param name="EarlierRelationship">The invitee was a friend of any account of the matrix before this add (deleted since or not).</param>
/// <param name="AlreadyCredited">The campaign has credited this invitee already (to any inviter, through any account or group).</param>
public sealed record ReferralArrival(string InviterId, string InviteeId, DateTimeOffset At, bool EarlierRelationship, bool AlreadyCredited);

/// <summary>Why an arrival earns no credit, or that it does.</summary>
public static class CreditOutcomes
{
    public const string Credited = "credited", OutsideWindow = "outside_window", Self = "self", NotNew = "not_new", AlreadyCredited = "already_credited";
}

/// <summary>The referral rules: one credit per invitee per campaign, never the inviter, in the window, new only if asked.</summary>
public static class ReferralRules
{
    /// <summary>Whether an arrival earns its inviter a credit, checked at the event's own time.</summary>
    public static string Credit(ReferralCampaign campaign, ReferralArrival arrival) =>
        arrival.At < campaign.StartsAt || arrival.At >= campaign.EndsAt ? CreditOutcomes.OutsideWindow
        : arrival.InviterId == arrival.InviteeId ? CreditOutcomes.Self
        : arrival.AlreadyCredited ? CreditOutcomes.AlreadyCredited
        : campaign.NewOnly && arrival.EarlierRelationship ? CreditOutcomes.NotNew
        : CreditOutcomes.Credited;

    /// <summary>Whether the invitee's deleting us at <paramref name="deletedAt"/> takes back a credit given at <paramref name="creditedAt"/>.</summary>
    public static bool Revokes(ReferralCampaign campaign, DateTimeOffset creditedAt, DateTimeOffset deletedAt) =>
        campaign.RevokeOnDelete && deletedAt >= creditedAt && deletedAt - creditedAt <= TimeSpan.FromDays(campaign.RevokeWithinDays);

    /// <summary>The levels an inviter with <paramref name="credits"/> standing credits has reached.</summary>
    public static IEnumerable<RewardLevel> Reached(ReferralCampaign campaign, int credits) => campaign.Levels.Where(l => l.Friends <= credits);
}
