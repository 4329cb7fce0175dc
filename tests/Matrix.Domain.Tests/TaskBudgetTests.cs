using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class TaskBudgetTests
{
    private static readonly DateTime Wanted = new(2026, 11, 24, 15, 0, 0);

    [Fact]
    public void A_day_with_room_keeps_the_wanted_time() =>
        Assert.Equal(Wanted, TaskBudget.Place(Wanted, 3, QuietHours.Default, _ => 2));

    [Fact]
    public void A_full_day_sends_the_task_to_the_next_morning_with_room()
    {
        var full = new Dictionary<DateOnly, int> { [new(2026, 11, 24)] = 3, [new(2026, 11, 25)] = 3 };
        Assert.Equal(new DateTime(2026, 11, 26, 9, 0, 0), TaskBudget.Place(Wanted, 3, QuietHours.Default, d => full.GetValueOrDefault(d)));
    }

    [Fact]
    public void No_budget_means_no_limit() =>
        Assert.Equal(Wanted, TaskBudget.Place(Wanted, null, QuietHours.Default, _ => 10_000));
}
