using Matrix.Runtime.Reminders;

namespace Matrix.Runtime.Tests;

public sealed class ReminderScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void Before_the_start_the_next_tick_is_the_start() =>
        Assert.Equal(Start, ReminderSchedule.NextTick(Start, Hour, Start.AddDays(-1)));

    [Fact]
    public void At_a_tick_the_next_one_is_a_period_later() =>
        Assert.Equal(Start + Hour, ReminderSchedule.NextTick(Start, Hour, Start));

    [Fact]
    public void After_a_long_gap_the_next_tick_stays_on_the_grid() =>
        Assert.Equal(Start + 27 * Hour, ReminderSchedule.NextTick(Start, Hour, Start + 26 * Hour + TimeSpan.FromMinutes(59)));

    [Fact]
    public void A_minimum_period_is_accepted() =>
        ReminderSchedule.Validate("ok", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    [Fact]
    public void A_name_longer_than_the_limit_is_refused()
    {
        var e = Assert.Throws<ReminderRegistrationException>(() => ReminderSchedule.Validate(new string('x', 151), null, TimeSpan.FromMinutes(1)));
        Assert.Equal("name", e.ParamName);
    }
}
