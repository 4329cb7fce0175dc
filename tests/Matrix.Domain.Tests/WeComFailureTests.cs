using Matrix.Domain.WeCom;

namespace Matrix.Domain.Tests;

public sealed class WeComFailureTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(60020, WeComFailureKind.Setup)] // this server's address is not among the app's trusted IPs
    [InlineData(40001, WeComFailureKind.Setup)] // a wrong secret
    [InlineData(48002, WeComFailureKind.Setup)] // the app lacks the API
    [InlineData(301002, WeComFailureKind.Setup)]
    [InlineData(45009, WeComFailureKind.RateLimited)]
    [InlineData(45033, WeComFailureKind.RateLimited)]
    [InlineData(-1, WeComFailureKind.Transient)]
    [InlineData(WeComFailures.Unreachable, WeComFailureKind.Transient)]
    [InlineData(84061, WeComFailureKind.Refused)] // no such relationship
    [InlineData(40068, WeComFailureKind.Refused)] // an unknown tag
    [InlineData(99999, WeComFailureKind.Refused)] // a code Matrix does not know is not retried blindly
    public void Each_code_has_one_meaning(int code, WeComFailureKind kind) => Assert.Equal(kind, WeComFailures.Classify(code));

    [Fact]
    public void A_transient_failure_waits_longer_each_time_up_to_an_hour()
    {
        var waits = Enumerable.Range(1, 10).Select(n => WeComFailures.NextTry(WeComFailureKind.Transient, n, Now)!.Value - Now).ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60, 60], waits.Select(w => w.TotalMinutes));
        Assert.Equal(TimeSpan.FromMinutes(60), WeComFailures.NextTry(WeComFailureKind.Transient, int.MaxValue, Now)!.Value - Now);
        Assert.Equal(TimeSpan.FromMinutes(1), WeComFailures.NextTry(WeComFailureKind.Transient, 0, Now)!.Value - Now);
    }

    [Fact]
    public void A_rate_limit_waits_for_WeComs_block_and_a_refusal_is_not_tried_again()
    {
        Assert.Equal(Now.AddSeconds(45), WeComFailures.NextTry(WeComFailureKind.RateLimited, 3, Now, Now.AddSeconds(45)));
        Assert.Equal(Now.AddMinutes(1), WeComFailures.NextTry(WeComFailureKind.RateLimited, 1, Now, Now.AddSeconds(-5)));
        Assert.Equal(Now.AddMinutes(1), WeComFailures.NextTry(WeComFailureKind.RateLimited, 1, Now));
        Assert.Equal(Now.AddHours(1), WeComFailures.NextTry(WeComFailureKind.Setup, 1, Now));
        Assert.Null(WeComFailures.NextTry(WeComFailureKind.Refused, 1, Now));
    }
}

public sealed class NightlySyncTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static DateTimeOffset Beijing(int day, int hour, int minute = 0) => new(2026, 12, day, hour, minute, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Due_once_a_night_after_three_in_the_stores_zone_whatever_the_servers()
    {
        var at = NightlySync.DefaultAt;
        Assert.True(NightlySync.IsDue(null, Beijing(2, 10), Shanghai, at));
        // Synced at 03:05 Beijing: not due again that day, due from 03:00 the next.
        Assert.False(NightlySync.IsDue(Beijing(2, 3, 5), Beijing(2, 23), Shanghai, at));
        Assert.False(NightlySync.IsDue(Beijing(2, 3, 5), Beijing(3, 2, 59), Shanghai, at));
        Assert.True(NightlySync.IsDue(Beijing(2, 3, 5), Beijing(3, 3, 0), Shanghai, at));
        // A sync at 02:00 (on demand) does not stand for that night's.
        Assert.True(NightlySync.IsDue(Beijing(3, 2), Beijing(3, 3, 1), Shanghai, at));
        // 03:00 Beijing is 19:00 UTC the day before: the time is read in the store's zone.
        Assert.True(NightlySync.IsDue(Beijing(2, 3, 5), new DateTimeOffset(2026, 12, 2, 19, 0, 0, TimeSpan.Zero), Shanghai, at));
        Assert.False(NightlySync.IsDue(Beijing(2, 3, 5), new DateTimeOffset(2026, 12, 2, 18, 59, 0, TimeSpan.Zero), Shanghai, at));
    }
}
