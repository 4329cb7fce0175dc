using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class TriggerTimesTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateTime Now = new(2026, 11, 23, 15, 0, 0); // a Monday, store time

    [Fact]
    public void A_birthday_counts_from_its_next_anniversary_still_far_enough_ahead()
    {
        Assert.Equal(new DateTime(2026, 11, 28), TriggerTimes.BeforeDate(new DateOnly(1990, 12, 5), 7, yearly: true, Now));
        // 3 days away is too close for a 7-day lead: next year's.
        Assert.Equal(new DateTime(2027, 11, 19), TriggerTimes.BeforeDate(new DateOnly(1990, 11, 26), 7, yearly: true, Now));
    }

    [Fact]
    public void A_29_February_birthday_falls_on_the_28th_in_other_years() =>
        Assert.Equal(new DateOnly(2027, 2, 28), TriggerTimes.NextAnniversary(new DateOnly(2000, 2, 29), new DateOnly(2026, 11, 23)));

    [Fact]
    public void A_one_off_date_counts_once_and_gives_nothing_when_too_close_or_past()
    {
        Assert.Equal(new DateTime(2026, 12, 28), TriggerTimes.BeforeDate(new DateOnly(2026, 12, 31), 3, yearly: false, Now));
        Assert.Null(TriggerTimes.BeforeDate(new DateOnly(2026, 11, 25), 3, yearly: false, Now));
        Assert.Null(TriggerTimes.BeforeDate(new DateOnly(2025, 12, 31), 3, yearly: false, Now));
    }

    [Theory]
    [InlineData(DayOfWeek.Tuesday, 10, "2026-11-24 10:00")] // tomorrow
    [InlineData(DayOfWeek.Monday, 16, "2026-11-23 16:00")] // later today
    [InlineData(DayOfWeek.Monday, 10, "2026-11-30 10:00")] // earlier today: next week
    [InlineData(DayOfWeek.Sunday, 9, "2026-11-29 09:00")]
    public void A_weekly_slot_is_the_next_one_from_now(DayOfWeek day, int hour, string expected) =>
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), TriggerTimes.NextWeekly(day, new TimeOnly(hour, 0), Now));

    [Fact]
    public void Weekly_plans_repeat_weekly_and_yearly_dates_yearly_unless_they_say_otherwise()
    {
        static FollowUpPlan Plan(PlanTrigger trigger, CalendarSpan? interval = null) =>
            new("p", trigger, new PlanFilter(), default, interval, "hi", new PlanEnd());
        Assert.Equal(CalendarSpan.FromDays(7), TriggerTimes.RepeatOf(Plan(new(TriggerKind.Weekly, Day: DayOfWeek.Tuesday, At: new TimeOnly(10, 0)))));
        Assert.Equal(CalendarSpan.FromDays(14), TriggerTimes.RepeatOf(Plan(new(TriggerKind.Weekly, Day: DayOfWeek.Tuesday, At: new TimeOnly(10, 0)), CalendarSpan.FromDays(14))));
        Assert.Equal(CalendarSpan.FromMonths(12), TriggerTimes.RepeatOf(Plan(new(TriggerKind.BeforeAttributeDate, Attribute: "birthday", Days: 3, Yearly: true))));
        Assert.Null(TriggerTimes.RepeatOf(Plan(new(TriggerKind.BeforeAttributeDate, Attribute: "coupon_expiry", Days: 3))));
    }

    [Fact]
    public void No_reply_counts_from_the_last_message_or_else_from_the_add()
    {
        var added = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.FromHours(8));
        var now = new DateTimeOffset(Now, TimeSpan.FromHours(8));
        var trigger = new PlanTrigger(TriggerKind.NoReply, Days: 14);
        Assert.Equal(added.AddDays(14), PlanStart.Anchor(trigger, new CustomerClock(added, null, new()), now, Shanghai));
        Assert.Equal(added.AddDays(20 + 14), PlanStart.Anchor(trigger, new CustomerClock(added, added.AddDays(20), new()), now, Shanghai));
    }

    [Fact]
    public void A_date_plan_reads_the_attribute_and_applies_only_when_it_is_a_date()
    {
        var trigger = new PlanTrigger(TriggerKind.BeforeAttributeDate, Attribute: "birthday", Days: 7, Yearly: true);
        var now = new DateTimeOffset(Now, TimeSpan.FromHours(8));
        var withDate = new CustomerClock(now, null, new CustomerProfile(Attributes: new Dictionary<string, string> { ["birthday"] = "1990-12-05" }));
        var withText = new CustomerClock(now, null, new CustomerProfile(Attributes: new Dictionary<string, string> { ["birthday"] = "December" }));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.FromHours(8)), PlanStart.Anchor(trigger, withDate, now, Shanghai));
        Assert.Null(PlanStart.Anchor(trigger, withText, now, Shanghai));
        Assert.Null(PlanStart.Anchor(new PlanTrigger(TriggerKind.Purchase), withDate, now, Shanghai)); // an event trigger has no state anchor
    }
}
