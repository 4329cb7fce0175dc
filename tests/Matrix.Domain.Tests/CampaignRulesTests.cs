using Matrix.Domain.Accounts;
using Matrix.Domain.Campaigns;
using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

/// <summary>A campaign's schedule in the store's zone, its validation, and the one message budget it shares with the plans.</summary>
public sealed class CampaignRulesTests
{
    private static readonly TimeZoneInfo Beijing = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)); // a Tuesday

    private static DateTimeOffset At(int day, int hour, int minute = 0) => new(2026, 12, day, hour, minute, 0, TimeSpan.FromHours(8));

    [Fact]
    public void A_weekly_campaign_falls_on_its_slot_in_the_store_zone_every_week_until_its_last_day()
    {
        var memberDay = new CampaignSchedule(CampaignRepeat.Weekly, Day: DayOfWeek.Tuesday, Time: new TimeOnly(10, 0), EndsOn: new DateOnly(2026, 12, 15));
        Assert.Equal(At(1, 10), memberDay.First(Now, Beijing)); // launched on the slot: this week's counts
        Assert.Equal(At(8, 10), memberDay.First(Now.AddMinutes(1), Beijing));
        Assert.Equal(At(8, 10), memberDay.After(At(1, 10), Beijing));
        Assert.Equal(At(15, 10), memberDay.After(At(8, 10), Beijing));
        Assert.Null(memberDay.After(At(15, 10), Beijing)); // the 22nd is past its last day

        // A server in UTC changes nothing: the slot is the store's 10:00, 02:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero), memberDay.First(Now.ToUniversalTime().AddHours(1), Beijing)!.Value.ToUniversalTime());
    }

    [Fact]
    public void A_single_send_goes_at_its_time_or_at_once_and_never_again()
    {
        var later = new CampaignSchedule(CampaignRepeat.Once, At: At(2, 15));
        Assert.Equal(At(2, 15), later.First(Now, Beijing));
        Assert.Null(later.After(At(2, 15), Beijing));
        Assert.Equal(Now, new CampaignSchedule(CampaignRepeat.Once).First(Now, Beijing));
    }

    [Fact]
    public void A_campaign_with_broken_parts_is_refused_naming_each_part()
    {
        var bad = new CampaignDefinition("", "", new string('x', 1_001), "ftp://x/a.png", "javascript:alert(1)",
            new CampaignSchedule(CampaignRepeat.Weekly, At: Now.AddDays(-2)));
        var error = Assert.Throws<DomainValidationException>(() => bad.Validate(Now, Beijing));
        Assert.Equal(["name", "segmentId", "template", "imageUrl", "link", "schedule.day", "schedule.time", "schedule.at", "schedule.at"],
            error.Errors.Select(e => e.Field));

        var once = new CampaignDefinition("会员日", "s1", "你好 {nickname}", null, null, new CampaignSchedule(CampaignRepeat.Once, Day: DayOfWeek.Monday));
        Assert.Equal(["schedule.repeat"], Assert.Throws<DomainValidationException>(() => once.Validate(Now, Beijing)).Errors.Select(e => e.Field));
        new CampaignDefinition("会员日", "s1", "你好 {nickname}", "https://img.example/a.png", "https://shop.example/member",
            new CampaignSchedule(CampaignRepeat.Weekly, Day: DayOfWeek.Tuesday, Time: new TimeOnly(10, 0))).Validate(Now, Beijing);
    }

    [Fact]
    public void The_message_carries_the_filled_template_then_the_link_and_the_image()
    {
        var offer = new CampaignDefinition("会员日", "s1", "{nickname}，会员日镜片八折", "https://img.example/a.png", "https://shop.example/m", new CampaignSchedule(CampaignRepeat.Once));
        Assert.Equal("王姐，会员日镜片八折\nhttps://shop.example/m\nhttps://img.example/a.png", offer.MessageFor(new Dictionary<string, string> { ["nickname"] = "王姐" }));
    }

    [Fact]
    public void A_message_over_the_budget_waits_for_room_until_its_deadline_and_is_skipped_after_it()
    {
        var cap = new FrequencyCap(2, TimeSpan.FromDays(7));
        var deadline = MessageBudget.Deadline(Now, next: null);
        Assert.Equal(Now.AddDays(3), deadline);
        Assert.Equal(At(4, 10), MessageBudget.Deadline(At(1, 10), next: At(8, 10)));

        // Room now: at once. Two touches five days ago: when the first is a week old, two days on. Two today: skipped.
        Assert.Equal(Now, MessageBudget.Place(Now, deadline, QuietHours.Default, cap, [], Roster.AlwaysOn, Beijing));
        Assert.Equal(Now.AddDays(2), MessageBudget.Place(Now, deadline, QuietHours.Default, cap, [Now.AddDays(-5), Now.AddDays(-5).AddHours(1)], Roster.AlwaysOn, Beijing));
        Assert.Null(MessageBudget.Place(Now, deadline, QuietHours.Default, cap, [Now.AddHours(-1), Now.AddMinutes(-30)], Roster.AlwaysOn, Beijing));
        // Sent at 22:00, in the quiet hours: at 09:00 the next morning.
        Assert.Equal(At(2, 9), MessageBudget.Place(At(1, 22), At(1, 22).AddDays(3), QuietHours.Default, cap, [], Roster.AlwaysOn, Beijing));
        // A weekly campaign's message never waits into its next occurrence.
        Assert.Equal(At(2, 10), MessageBudget.Deadline(At(1, 10), next: At(2, 10)));
    }

    [Fact]
    public void A_message_a_full_day_sends_on_is_checked_against_the_budget_again_where_it_lands()
    {
        var cap = new FrequencyCap(2, TimeSpan.FromDays(7));
        // The account's days 1-9 are full; the customer has two messages on days 10 and 11. Allowed at once on day 1, the
        // message would land on day 10, a third in that week: it goes when day 10's message is a week old instead.
        Func<DateOnly, int> full = day => day.Day < 10 ? 120 : 0;
        Assert.Equal((At(17, 10), true), MessageBudget.OnQueue(At(1, 10), At(20, 10), QuietHours.Default, cap, [At(10, 10), At(11, 10)], Roster.AlwaysOn, Beijing, 120, full));
        // Unless the customer's budget takes it past its deadline: not in time (a campaign's message is skipped).
        Assert.Equal((At(17, 10), false), MessageBudget.OnQueue(At(1, 10), At(4, 10), QuietHours.Default, cap, [At(10, 10), At(11, 10)], Roster.AlwaysOn, Beijing, 120, full));
        // Room on its day: where it was allowed. No limit: the same.
        Assert.Equal((At(1, 10), true), MessageBudget.OnQueue(At(1, 10), At(4, 10), QuietHours.Default, cap, [At(10, 10), At(11, 10)], Roster.AlwaysOn, Beijing, 120, _ => 5));
        Assert.Equal((At(1, 10), true), MessageBudget.OnQueue(At(1, 10), At(4, 10), QuietHours.Default, cap, [], Roster.AlwaysOn, Beijing, null, full));
        // A full day alone carries it past the deadline: the next morning with room, at the end of the quiet hours.
        Assert.Equal((At(10, 9), true), MessageBudget.OnQueue(At(1, 10), At(4, 10), QuietHours.Default, cap, [], Roster.AlwaysOn, Beijing, 120, full));
    }

    [Fact]
    public void Service_messages_do_not_count_against_the_budget()
    {
        Assert.False(MessageBudget.Counts(MessageBudget.ServiceKind));
        Assert.True(MessageBudget.Counts("message"));
    }
}
