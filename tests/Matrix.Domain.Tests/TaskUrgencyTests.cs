using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class TaskUrgencyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(30, Urgency.Later)]        // due in half an hour
    [InlineData(0, Urgency.DueNow)]        // due this minute
    [InlineData(-60, Urgency.DueNow)]      // an hour ago: still within the grace
    [InlineData(-61, Urgency.Overdue)]     // past the grace
    [InlineData(-24 * 60, Urgency.Overdue)]
    public void A_task_is_due_now_for_an_hour_then_overdue(int minutesFromNow, Urgency expected) =>
        Assert.Equal(expected, TaskUrgency.Of(Now.AddMinutes(minutesFromNow), Now));

    [Fact]
    public void The_overdue_bound_is_the_same_rule() =>
        Assert.Equal(Urgency.Overdue, TaskUrgency.Of(TaskUrgency.OverdueBefore(Now).AddTicks(-1), Now));
}
