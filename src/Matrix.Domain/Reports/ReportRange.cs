using System.Globalization;

namespace Matrix.Domain.Reports;

/// <summary>How a report's days are grouped.</summary>
public enum ReportGrouping { Day, Week, Month }

/// <summary>
/// A report's dates, in the store's calendar: from and to inclusive, at most a year and a day, grouped by day, by week
/// (Monday to Sunday, as Chinese calendars and most leads' Mondays have it) or by month. A period cut by the range
/// keeps only its days within it.
/// </summary>
public sealed record ReportRange(DateOnly From, DateOnly To, ReportGrouping Grouping)
{
    public const int DaysMax = 367;

    public static ReportRange Of(DateOnly from, DateOnly to, ReportGrouping grouping)
    {
        var errors = new List<FieldError>();
        if (to < from) errors.Add(FieldError.Of("to", RuleKeys.EndAfterStart, "must not be before from"));
        else if (to.DayNumber - from.DayNumber + 1 > DaysMax) errors.Add(FieldError.Of("to", RuleKeys.AtMost, "the range must be at most {0} days", DaysMax));
        if (TimeWindows.Date("from", from) is { } early) errors.Add(early);
        DomainValidationException.ThrowIfAny(errors);
        return new(from, to, grouping);
    }

    public IEnumerable<DateOnly> Days()
    {
        for (var day = From; day <= To; day = day.AddDays(1)) yield return day;
    }

    /// <summary>The periods of the range, in order: each one's first and last day.</summary>
    public IReadOnlyList<(DateOnly Start, DateOnly End)> Periods()
    {
        var periods = new List<(DateOnly, DateOnly)>();
        for (var start = From; start <= To;)
        {
            var end = Grouping switch
            {
                ReportGrouping.Week => start.AddDays((7 - ((int)start.DayOfWeek + 6) % 7) - 1),
                ReportGrouping.Month => new DateOnly(start.Year, start.Month, 1).AddMonths(1).AddDays(-1),
                _ => start,
            };
            if (end > To) end = To;
            periods.Add((start, end));
            start = end.AddDays(1);
        }
        return periods;
    }

    /// <summary>A period's name as a chart's axis shows it: 2026-11-30, the week from 2026-11-30, 2026-11.</summary>
    public string Label(DateOnly start) => Grouping == ReportGrouping.Month
        ? start.ToString("yyyy-MM", CultureInfo.InvariantCulture)
        : start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
