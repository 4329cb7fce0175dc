using Matrix.Domain.Referrals;

namespace Matrix.Domain.Tests;

/// <summary>
/// The referral rules over both values of every flag: an invitee counts once per campaign, never the inviter, only in
/// the window at the event's time, and with "new only" only without any earlier friendship (a deleted one included).
/// </summary>
public sealed class ReferralRulesTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, Beijing), End = new(2026, 12, 8, 0, 0, 0, Beijing);

    private static ReferralCampaign Campaign(bool newOnly, bool revokeOnDelete) =>
        new("双十二老带新", Start, End, newOnly, revokeOnDelete, 7, [new(3, "清洗券", 20m), new(10, "镜片八折")]);

    public static TheoryData<bool, bool, string, ReferralArrival, string> Arrivals()
    {
        var data = new TheoryData<bool, bool, string, ReferralArrival, string>();
        foreach (var newOnly in new[] { false, true })
            foreach (var revoke in new[] { false, true })
            {
                data.Add(newOnly, revoke, "a new friend in the window", new("wx-a", "wx-b", Start.AddDays(1), false, false), CreditOutcomes.Credited);
                data.Add(newOnly, revoke, "a friend deleted before and added again",
                    new("wx-a", "wx-b", Start.AddDays(1), true, false), newOnly ? CreditOutcomes.NotNew : CreditOutcomes.Credited);
                data.Add(newOnly, revoke, "added by a second account, or invited by a second inviter",
                    new("wx-c", "wx-b", Start.AddDays(2), true, true), CreditOutcomes.AlreadyCredited);
                data.Add(newOnly, revoke, "the inviter scanning their own poster", new("wx-a", "wx-a", Start.AddDays(1), false, false), CreditOutcomes.Self);
                data.Add(newOnly, revoke, "a second after the window", new("wx-a", "wx-d", End.AddSeconds(1), false, false), CreditOutcomes.OutsideWindow);
                data.Add(newOnly, revoke, "at the window's end", new("wx-a", "wx-d", End, false, false), CreditOutcomes.OutsideWindow);
                data.Add(newOnly, revoke, "a second before it starts", new("wx-a", "wx-d", Start.AddSeconds(-1), false, false), CreditOutcomes.OutsideWindow);
                data.Add(newOnly, revoke, "at its start", new("wx-a", "wx-d", Start, false, false), CreditOutcomes.Credited);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(Arrivals))]
    public void An_arrival_earns_one_credit_or_none_as_the_flags_say(bool newOnly, bool revokeOnDelete, string why, ReferralArrival arrival, string expected) =>
        Assert.True(expected == ReferralRules.Credit(Campaign(newOnly, revokeOnDelete), arrival), why);

    [Theory]
    [InlineData(false, 1, false)]
    [InlineData(true, 1, true)]
    [InlineData(true, 7, true)]
    [InlineData(true, 8, false)]
    public void A_deletion_takes_the_credit_back_only_when_the_campaign_says_so_and_within_its_days(bool revokeOnDelete, int daysLater, bool revoked)
    {
        var credited = Start.AddDays(1);
        Assert.Equal(revoked, ReferralRules.Revokes(Campaign(newOnly: false, revokeOnDelete), credited, credited.AddDays(daysLater)));
    }

    [Fact]
    public void Levels_are_reached_by_standing_credits_and_a_campaign_is_checked_part_by_part()
    {
        var campaign = Campaign(newOnly: true, revokeOnDelete: true);
        Assert.Empty(ReferralRules.Reached(campaign, 2));
        Assert.Equal(["清洗券"], ReferralRules.Reached(campaign, 3).Select(l => l.Reward));
        Assert.Equal(["清洗券", "镜片八折"], ReferralRules.Reached(campaign, 12).Select(l => l.Reward));

        Assert.Empty(campaign.Validate());
        var bad = campaign with { Name = "", EndsAt = Start, RevokeWithinDays = 0, Levels = [new(3, "清洗券"), new(3, ""), new(0, "x", -1m)] };
        Assert.Equal(["name", "endsAt", "revokeWithinDays", "levels[1].friends", "levels[1].reward", "levels[2].friends", "levels[2].value"],
            bad.Validate().Select(e => e.Field));
        Assert.Empty((campaign with { RevokeOnDelete = false, RevokeWithinDays = 0 }).Validate());
    }

    [Fact]
    public void A_poster_state_names_its_campaign_and_inviter_within_WeComs_30_characters_and_nothing_else_parses()
    {
        var (campaign, token) = (ReferralState.NewCampaignId(), ReferralState.NewToken());
        var state = ReferralState.Format(campaign, token);
        Assert.InRange(state.Length, 1, ReferralState.Max);
        Assert.Equal((campaign, token), ReferralState.Parse(state));
        Assert.NotEqual(token, ReferralState.NewToken());
        Assert.Equal(("xmas26", "k7fq2mzp"), ReferralState.Parse("r.xmas26.k7fq2mzp"));

        (campaign, token) = ("xmas26", "k7fq2mzp");
        foreach (var other in new[] { null, "", "checkout", "r.", $"r.{campaign}", $"r.{campaign}.{token}.x", $"r.{campaign.ToUpperInvariant()}.{token}",
                     $"r.{campaign}.{token}0", $"r.{campaign}x.{token}", $"x.{campaign}.{token}", $"r.{campaign}.{token[..^1]}l" })
            Assert.Null(ReferralState.Parse(other));
    }
}
