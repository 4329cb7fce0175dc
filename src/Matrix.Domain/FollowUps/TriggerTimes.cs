namespace Matrix.Domain.FollowUps;

/// <summary>When the time-driven triggers fire, in store-local time.</summary>
public static class TriggerTimes
{
    /// <summary>The next anniversary of a date on or after <paramref name="today"/> (a birthday); 29 February falls on the 28th in other years.</summary>
    public static DateOnly NextAnniversary(DateOnly date, DateOnly today)
    {
        for (var year = today.Year; ; year++)
        {
            var day = Math.Min(date.Day, DateTime.DaysInMonth(year, date.Month));
            var candidate = new DateOnly(year, date.Month, day);
            if (candidate >= today) return candidate;
        }
    }

    /// <summary>
    /// Where "N days before an attribute date" starts counting: midnight N days before the date. A yearly date (a
    /// birthday) uses its next anniversary still that far ahead, so one too close this year is served next year; a
    /// one-off date (a coupon's expiry) that is closer than the lead time or past gives nothing.
    /// </summary>
    public static DateTime? BeforeDate(DateOnly date, int days, bool yearly, DateTime localNow)
    {
        var earliest = DateOnly.FromDateTime(localNow).AddDays(days);
        if (!yearly && date < earliest) return null;
        var target = yearly ? NextAnniversary(date, earliest) : date;
        return target.AddDays(-days).ToDateTime(TimeOnly.MinValue);
    }

    /// <summary>The next weekly slot at or after <paramref name="localNow"/> (member day every Tuesday at 10:00).</summary>
    public static DateTime NextWeekly(DayOfWeek day, TimeOnly at, DateTime localNow)
    {
        var candidate = localNow.Date.AddDays(((int)day - (int)localNow.DayOfWeek + 7) % 7) + at.ToTimeSpan();
        return candidate >= localNow ? candidate : candidate.AddDays(7);
    }

    /// <summary>A weekly plan repeats every week and a yearly date every year, unless the plan names its own interval.</summary>
    public static CalendarSpan? RepeatOf(FollowUpPlan plan) => plan.Trigger switch
    {
        { Kind: TriggerKind.Weekly } => plan.Interval ?? CalendarSpan.FromDays(7),
        { Kind: TriggerKind.BeforeAttributeDate, Yearly: true } => plan.Interval ?? CalendarSpan.FromMonths(12),
        _ => plan.Interval,
    };
}
