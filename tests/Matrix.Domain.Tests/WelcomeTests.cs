using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class WelcomeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(0, true)]
    [InlineData(-60 * 23, true)]
    [InlineData(-60 * 24, true)]
    [InlineData(-60 * 24 - 1, false)]
    [InlineData(-60 * 24 * 7, false)]
    public void An_add_is_welcomed_within_a_day(int minutes, bool welcomed) =>
        Assert.Equal(welcomed, Welcome.IsDue(Now.AddMinutes(minutes), Now));
}
