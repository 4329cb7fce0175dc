using Matrix.Domain.Moments;

namespace Matrix.Domain.Tests;

public sealed class PostTemplateTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Theory]
    [InlineData(2026, 11, 23)] // the Monday itself
    [InlineData(2026, 11, 26)] // mid-week
    [InlineData(2026, 11, 29)] // the Sunday closing the week
    public void A_slot_lands_in_the_week_of_any_of_its_days(int year, int month, int day)
    {
        var at = PostTemplate.SlotIn(new WeeklySlot(DayOfWeek.Friday, new TimeOnly(19, 30)), new DateOnly(year, month, day), Shanghai);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 19, 30, 0, TimeSpan.FromHours(8)), at);
    }

    [Fact]
    public void A_Sunday_slot_is_the_last_day_of_the_week_not_the_first() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.FromHours(8)),
            PostTemplate.SlotIn(new WeeklySlot(DayOfWeek.Sunday, new TimeOnly(10, 0)), new DateOnly(2026, 11, 23), Shanghai));

    [Fact]
    public void A_week_across_a_month_end_keeps_its_days() =>
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.FromHours(8)),
            PostTemplate.SlotIn(new WeeklySlot(DayOfWeek.Wednesday, new TimeOnly(9, 0)), new DateOnly(2026, 11, 30), Shanghai));

    [Fact]
    public void Duplicating_to_a_date_keeps_the_store_time_of_day()
    {
        var planned = new DateTimeOffset(2026, 11, 23, 2, 15, 0, TimeSpan.Zero); // 10:15 in Shanghai
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 15, 0, TimeSpan.FromHours(8)), PostTemplate.SameTimeOn(planned, new DateOnly(2026, 12, 1), Shanghai));
    }

    [Fact]
    public void A_template_is_checked_like_a_post_and_needs_a_name()
    {
        var template = new PostTemplate(" ", new string('字', 2_001), PostCategory.Offer, new PostMedia(Video: "v.mp4", Link: "https://x"));
        Assert.Equal(["name", "text", "media"], template.Validate().Select(e => e.Field));
    }

    [Fact]
    public void A_template_becomes_a_post_with_its_content_at_the_given_time()
    {
        var template = new PostTemplate("周一护眼", "每用眼40分钟，远眺5分钟", PostCategory.Expertise, Comment: "评论区见详情");
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(8));
        var post = template.ToPost(at, ["a-1"]);
        Assert.Equal(("每用眼40分钟，远眺5分钟", PostCategory.Expertise, at, "评论区见详情"), (post.Text, post.Category, post.PlannedAt, post.Comment));
        Assert.Equal(["a-1"], post.Siblings!);
    }
}
