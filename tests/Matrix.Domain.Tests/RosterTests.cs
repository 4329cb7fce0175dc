using Matrix.Domain.Accounts;

namespace Matrix.Domain.Tests;

public sealed class RosterTests
{
    private static readonly Roster Weekdays = new(
        [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .Select(d => new ShiftSlot(d, new TimeOnly(9, 0), new TimeOnly(18, 0)))],
        [new RosterOverride(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 7), [])]);

    [Fact]
    public void No_roster_means_always_on() => Assert.True(Roster.AlwaysOn.IsOnShift(new DateTime(2026, 1, 1, 3, 0, 0)));

    [Theory]
    [InlineData("2026-09-28T09:00", true)]   // Monday, start of the slot
    [InlineData("2026-09-28T17:59", true)]
    [InlineData("2026-09-28T18:00", false)]  // the end is exclusive
    [InlineData("2026-09-27T12:00", false)]  // Sunday
    [InlineData("2026-10-05T12:00", false)]  // a Monday inside the National Day override: off
    [InlineData("2026-10-08T12:00", true)]   // the day after the override
    public void Weekly_slots_apply_unless_a_date_range_override_replaces_them(string local, bool onShift) =>
        Assert.Equal(onShift, Weekdays.IsOnShift(DateTime.Parse(local)));

    [Fact]
    public void An_override_can_give_other_hours()
    {
        var roster = Weekdays with { Overrides = [new RosterOverride(new DateOnly(2026, 12, 24), new DateOnly(2026, 12, 24), [new ShiftSlot(DayOfWeek.Thursday, new TimeOnly(10, 0), new TimeOnly(14, 0))])] };
        Assert.False(roster.IsOnShift(new DateTime(2026, 12, 24, 9, 30, 0)));
        Assert.True(roster.IsOnShift(new DateTime(2026, 12, 24, 13, 0, 0)));
    }

    [Fact]
    public void A_slot_that_ends_before_it_starts_is_refused() =>
        Assert.Equal("roster.weekly[0].to", Assert.Single(new Roster([new ShiftSlot(DayOfWeek.Monday, new TimeOnly(18, 0), new TimeOnly(9, 0))], []).Validate()).Field);

    [Theory]
    [InlineData("2026-11-23 11:00", "2026-11-23 11:00")] // Monday, on shift: now
    [InlineData("2026-11-23 07:30", "2026-11-23 09:00")] // before the day's shift
    [InlineData("2026-11-27 19:00", "2026-11-30 09:00")] // Friday evening: Monday morning
    [InlineData("2026-09-30 19:00", "2026-10-08 09:00")] // the October holiday is off: after it
    public void A_follow_up_off_shift_waits_for_the_next_shift(string at, string expected) =>
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            Weekdays.NextOnShift(DateTime.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Always_on_is_on_now() => Assert.Equal(new DateTime(2026, 1, 1, 3, 0, 0), Roster.AlwaysOn.NextOnShift(new DateTime(2026, 1, 1, 3, 0, 0)));
}
