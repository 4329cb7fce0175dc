using Matrix.Domain.Moments;

namespace Matrix.Domain.Tests;

public sealed class CalendarRulesTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly CalendarRules Rules = new();

    // Monday 23 November 2026, store time.
    private static MomentPost At(int day, int hour, int minute = 0, PostCategory category = PostCategory.Life) =>
        new("今天的镜片小知识", category, new DateTimeOffset(2026, 11, 23 + day, hour, minute, 0, TimeSpan.FromHours(8)));

    private static IReadOnlyList<string> Broken(MomentPost post, params MomentPost[] others) => Rules.Check(post, others, Shanghai).Select(e => e.Field).ToList();

    [Fact]
    public void A_post_that_breaks_no_rule_is_accepted() => Assert.Empty(Broken(At(0, 10), At(0, 13), At(1, 10)));

    [Fact]
    public void At_most_three_a_day() =>
        Assert.Equal(["plannedAt"], Broken(At(0, 19), At(0, 10), At(0, 13), At(0, 16)));

    [Fact]
    public void At_least_two_hours_apart()
    {
        var refused = Rules.Check(At(0, 11, 30), [At(0, 10)], Shanghai);
        Assert.Contains("within 2 hours of the post at 2026-11-23 10:00", Assert.Single(refused).Message);
        Assert.Empty(Broken(At(0, 12), At(0, 10)));
    }

    [Theory]
    [InlineData(22)]
    [InlineData(7)]
    public void None_in_quiet_hours(int hour) => Assert.Contains("quiet hours", Assert.Single(Rules.Check(At(0, hour), [], Shanghai)).Message);

    [Fact]
    public void Offers_at_most_thirty_percent_of_the_weeks_posts()
    {
        var week = new[] { At(0, 10, category: PostCategory.Offer), At(1, 10), At(2, 10) };
        Assert.Equal(["category"], Broken(At(3, 10, category: PostCategory.Offer), week)); // 2 offers of 4 is 50%: over 30%
        Assert.Empty(Broken(At(3, 10, category: PostCategory.Offer), [.. week, At(4, 10), At(5, 10), At(6, 10)])); // 2 of 7 is 29%
        Assert.Empty(Broken(At(0, 10, category: PostCategory.Offer))); // a week's first post may be an offer
        Assert.Empty(Broken(At(7, 10, category: PostCategory.Offer), week)); // next Monday: a new week
    }

    [Fact]
    public void Content_limits_are_WeComs()
    {
        var post = At(0, 10) with { Text = new string('字', 2001), Media = new PostMedia(Images: [.. Enumerable.Repeat("/i.png", 10)], Link: "https://x") };
        Assert.Equal(["text", "media", "media.images"], Broken(post));
    }
}
