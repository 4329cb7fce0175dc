using Matrix.Domain.Groups;

namespace Matrix.Domain.Tests;

/// <summary>A group code sends a scan only to an open group below its soft full whose image still works, and warns a day before it stops.</summary>
public sealed class GroupRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 8, 10, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(199, 200, 6, false, true)]
    [InlineData(200, 200, 6, false, false)]  // full
    [InlineData(180, 180, 6, false, false)]  // at its soft full
    [InlineData(10, 200, 7, false, false)]   // uploaded 7 days ago: expired this very moment
    [InlineData(10, 200, 6, true, false)]    // closed
    public void A_scan_goes_only_to_an_open_group_with_room_and_a_working_image(int members, int softFull, int daysAgo, bool closed, bool serves) =>
        Assert.Equal(serves, GroupRules.Serves(new("g", 200, softFull, members, Now.AddDays(-daysAgo), closed), Now));

    [Fact]
    public void A_group_without_an_image_is_never_served_and_an_image_is_asked_for_a_day_before_it_expires()
    {
        Assert.False(GroupRules.Serves(new("g", 200, 200, 0, null, false), Now));
        Assert.True(GroupRules.ImageNeeded(new("g", 200, 200, 0, null, false), Now));
        Assert.False(GroupRules.ImageNeeded(new("g", 200, 200, 0, Now.AddDays(-6).AddSeconds(-1), false), Now.AddSeconds(-2)));
        Assert.True(GroupRules.ImageNeeded(new("g", 200, 200, 0, Now.AddDays(-6), false), Now));
        Assert.False(GroupRules.ImageNeeded(new("g", 200, 200, 0, Now.AddDays(-6), true), Now));
    }

    [Fact]
    public void A_groups_capacity_follows_who_made_it_and_its_soft_full_lies_within()
    {
        Assert.Empty(new GroupSettings("会员群 1", GroupKind.WeChat, 200, 180).Validate());
        Assert.Empty(new GroupSettings("会员群 2", GroupKind.WeCom, 500, 500).Validate());
        Assert.Equal(["capacity"], new GroupSettings("x", GroupKind.WeChat, 500, 400).Validate().Select(e => e.Field));
        Assert.Equal(["softFull"], new GroupSettings("x", GroupKind.WeCom, 500, 501).Validate().Select(e => e.Field));
        Assert.Equal(["name", "softFull"], new GroupSettings("", GroupKind.WeChat, 200, 0).Validate().Select(e => e.Field));
        Assert.Empty(GroupRules.ValidateImage("https://img.example/g.png"));
        Assert.Equal([RuleKeys.TooLong], GroupRules.ValidateImage("data:image/png;base64," + new string('A', GroupRules.ImageUrlMax)).Select(e => e.Key));
    }
}
