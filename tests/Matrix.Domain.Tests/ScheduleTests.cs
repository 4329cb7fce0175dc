using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class ScheduleTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Theory]
    [InlineData("2026-11-22T21:29", false)]
    [InlineData("2026-11-22T21:30", true)]
    [InlineData("2026-11-23T03:00", true)]
    [InlineData("2026-11-23T08:59", true)]
    [InlineData("2026-11-23T09:00", false)]
    public void Default_quiet_hours_cross_midnight(string local, bool quiet) => Assert.Equal(quiet, QuietHours.Default.Contains(DateTime.Parse(local)));

    [Theory]
    [InlineData("2026-11-22T22:00", "2026-11-23T09:00")]
    [InlineData("2026-11-23T02:00", "2026-11-23T09:00")]
    [InlineData("2026-11-23T10:15", "2026-11-23T10:15")]
    public void Something_due_in_quiet_hours_moves_to_their_end(string wanted, string placed) =>
        Assert.Equal(DateTime.Parse(placed), QuietHours.Default.NextAllowed(DateTime.Parse(wanted)));

    [Fact]
    public void Quiet_hours_inside_one_day_work_too()
    {
        var lunch = new QuietHours(new TimeOnly(12, 0), new TimeOnly(13, 30));
        Assert.Equal(DateTime.Parse("2026-11-23T13:30"), lunch.NextAllowed(DateTime.Parse("2026-11-23T12:10")));
        Assert.False(lunch.Contains(DateTime.Parse("2026-11-23T23:00")));
    }

    [Fact]
    public void Months_are_counted_from_the_anchor_so_month_ends_do_not_drift()
    {
        // Lens cleaning: 3 months after a purchase on 30 November, then every 6 months.
        var dates = DueTimes.Occurrences(new DateTime(2026, 11, 30, 15, 0, 0), CalendarSpan.FromMonths(3), CalendarSpan.FromMonths(6)).Take(3).ToList();
        Assert.Equal([new DateTime(2027, 2, 28, 15, 0, 0), new DateTime(2027, 8, 30, 15, 0, 0), new DateTime(2028, 2, 29, 15, 0, 0)], dates);
    }

    [Fact]
    public void A_one_off_delay_has_one_occurrence() =>
        Assert.Single(DueTimes.Occurrences(new DateTime(2026, 1, 31), CalendarSpan.FromMonths(1), null));

    [Fact]
    public void Due_instants_use_the_store_zone_without_daylight_saving()
    {
        var due = DueTimes.Place(new DateTime(2026, 7, 1, 23, 0, 0), QuietHours.Default, Shanghai);
        Assert.Equal(new DateTimeOffset(2026, 7, 2, 9, 0, 0, TimeSpan.FromHours(8)), due);
        Assert.Equal(new DateTimeOffset(2026, 7, 2, 1, 0, 0, TimeSpan.Zero), due.ToUniversalTime());
    }

    [Fact]
    public void The_frequency_cap_delays_a_third_touch_in_a_week_until_the_first_leaves_the_window()
    {
        var monday = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(8));
        var booked = new[] { monday, monday.AddDays(2) };
        Assert.Equal(monday.AddDays(7), FrequencyCap.Default.NextFreeSlot(monday.AddDays(3), booked));
        Assert.Equal(monday.AddDays(9), FrequencyCap.Default.NextFreeSlot(monday.AddDays(9), booked));
        Assert.Equal(monday.AddDays(-8), FrequencyCap.Default.NextFreeSlot(monday.AddDays(-8), booked));
    }

    [Fact]
    public void The_frequency_cap_also_protects_the_window_after_the_new_touch()
    {
        var t = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        // Touches booked on days 5 and 6: a touch on day 0 would make three in days 0-6.
        var slot = FrequencyCap.Default.NextFreeSlot(t, [t.AddDays(5), t.AddDays(6)]);
        Assert.True(slot >= t.AddDays(12), $"got {slot}");
        var all = new[] { t.AddDays(5), t.AddDays(6), slot };
        Assert.All(all, start => Assert.True(all.Count(x => x >= start && x < start + TimeSpan.FromDays(7)) <= 2));
    }
}
