namespace Matrix.Domain.FollowUps;

/// <summary>A delay or interval in calendar units: "3 months after purchase", "every 6 months", "in 2 days".</summary>
public readonly record struct CalendarSpan(int Months, int Days, TimeSpan Time)
{
    public static CalendarSpan FromMonths(int months) => new(months, 0, TimeSpan.Zero);
    public static CalendarSpan FromDays(int days) => new(0, days, TimeSpan.Zero);

    public bool IsPositive => Months > 0 || Days > 0 || Time > TimeSpan.Zero;

    /// <summary>
    /// Adds the span to a local time: months first (31 Jan + 1 month = 28/29 Feb, the month's last day, as people
    /// count), then days, then time.
    /// </summary>
    public DateTime AddTo(DateTime local) => local.AddMonths(Months).AddDays(Days).Add(Time);
}

/// <summary>When nothing may be due: a daily window in the store's local time, which may cross midnight (21:30-09:00).</summary>
public sealed record QuietHours(TimeOnly From, TimeOnly To)
{
    public static readonly QuietHours Default = new(new TimeOnly(21, 30), new TimeOnly(9, 0));

    public bool Contains(DateTime local)
    {
        var t = TimeOnly.FromDateTime(local);
        return From <= To ? t >= From && t < To : t >= From || t < To;
    }

    /// <summary>The first moment at or after <paramref name="local"/> outside the quiet hours.</summary>
    public DateTime NextAllowed(DateTime local)
    {
        if (!Contains(local)) return local;
        var end = local.Date + To.ToTimeSpan();
        return end > local ? end : end.AddDays(1);
    }
}

/// <summary>At most <see cref="Touches"/> touches per customer in any rolling <see cref="Window"/>, across all accounts and plans.</summary>
public sealed record FrequencyCap(int Touches, TimeSpan Window)
{
    public static readonly FrequencyCap Default = new(2, TimeSpan.FromDays(7));

    /// <summary>
    /// The earliest time at or after <paramref name="wanted"/> when one more touch keeps every rolling window within
    /// the cap, given the touches already made or booked. A follow-up over the cap waits; it is never dropped.
    /// </summary>
    public DateTimeOffset NextFreeSlot(DateTimeOffset wanted, IEnumerable<DateTimeOffset> booked)
    {
        var times = booked.Order().ToList();
        var candidate = wanted;
        while (true)
        {
            // Touches in the window that would end at the candidate, and in windows starting at it.
            var clash = times.Where(t => t > candidate - Window && t < candidate + Window).ToList();
            var blocking = WindowsOver(candidate, clash);
            if (blocking is null) return candidate;
            candidate = blocking.Value;
        }
    }

    // Returns null when a touch at t breaks no window; otherwise the earliest later time worth trying.
    private DateTimeOffset? WindowsOver(DateTimeOffset t, List<DateTimeOffset> near)
    {
        foreach (var start in near.Where(x => x <= t).Append(t))
        {
            var inWindow = near.Count(x => x >= start && x < start + Window) + 1;
            if (inWindow > Touches)
            {
                // Move past the earliest touch of this window, so it leaves the window.
                var first = near.Where(x => x >= start && x < start + Window).Min();
                return first + Window;
            }
        }
        return null;
    }
}

/// <summary>Turns a wanted local time into a due instant that respects quiet hours, in the store's zone.</summary>
public static class DueTimes
{
    public static DateTimeOffset Place(DateTime wantedLocal, QuietHours quiet, TimeZoneInfo zone)
    {
        var allowed = quiet.NextAllowed(wantedLocal);
        return new DateTimeOffset(allowed, zone.GetUtcOffset(allowed));
    }

    /// <summary>When touch number <paramref name="occurrence"/> (0 is the first) of <paramref name="plan"/> falls, counted from <paramref name="anchor"/> in the store's zone.</summary>
    public static DateTimeOffset OccurrenceOf(FollowUpPlan plan, DateTimeOffset anchor, int occurrence, TimeZoneInfo zone)
    {
        var local = Occurrences(TimeZoneInfo.ConvertTime(anchor, zone).DateTime, plan.Delay, TriggerTimes.RepeatOf(plan)).ElementAt(occurrence);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The occurrences of "first after <paramref name="delay"/>, then every <paramref name="interval"/>" from an anchor, counted from the anchor so month ends do not drift.</summary>
    public static IEnumerable<DateTime> Occurrences(DateTime anchorLocal, CalendarSpan delay, CalendarSpan? interval)
    {
        var first = delay.AddTo(anchorLocal);
        yield return first;
        if (interval is not { IsPositive: true } every) yield break;
        for (var n = 1; ; n++)
            yield return new CalendarSpan(delay.Months + every.Months * n, delay.Days + every.Days * n, delay.Time + every.Time * n).AddTo(anchorLocal);
    }
}
