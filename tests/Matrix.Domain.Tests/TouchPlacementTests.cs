using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class TouchPlacementTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly Roster Weekdays = new(
        [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .Select(d => new ShiftSlot(d, new TimeOnly(9, 0), new TimeOnly(18, 0)))], []);

    private static DateTimeOffset At(int day, int hour) => new(2026, 11, day, hour, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Friday_night_waits_past_the_quiet_hours_and_the_weekend_to_Monday_morning() =>
        Assert.Equal(At(30, 9), TouchPlacement.Place(At(27, 22), QuietHours.Default, FrequencyCap.Default, [], Weekdays, Shanghai));

    [Fact]
    public void Then_the_cap_moves_it_until_the_oldest_touch_leaves_the_week() =>
        Assert.Equal(At(30, 10), TouchPlacement.Place(At(27, 22), QuietHours.Default, FrequencyCap.Default, [At(23, 10), At(24, 11)], Weekdays, Shanghai));

    [Fact]
    public void With_no_roster_only_quiet_hours_and_the_cap_apply() =>
        Assert.Equal(At(28, 9), TouchPlacement.Place(At(27, 22), QuietHours.Default, FrequencyCap.Default, [], Roster.AlwaysOn, Shanghai));
}
