namespace Matrix.Domain.Reports;

/// <summary>
/// One day's relationships in a report's scope: friends at its end, and what happened during it. Re-homed arrivals
/// (a transfer) and imported relationships change the count of friends but are neither growth nor churn.
/// </summary>
public sealed record RelationshipDay(DateOnly Day, int Friends, int Added, int Imported, int MovedIn, int Lost, int Removed);

/// <summary>A report period's growth and churn, from its days.</summary>
/// <param name="FriendsAtStart">Relationships when the period began (at the end of the day before it).</param>
/// <param name="Lost">Customers who deleted us: churn.</param>
/// <param name="Removed">Customers we deleted: a relationship ended, not churn.</param>
public sealed record RelationshipPeriod(DateOnly Start, DateOnly End, int FriendsAtStart, int Friends, int Added, int Imported, int MovedIn, int Lost, int Removed)
{
    /// <summary>Net growth, by definition: new friends minus relationships ended (transfers and imports are neither).</summary>
    public int Net => Added - Lost - Removed;

    /// <summary>Churn: losses over the relationships at the period's start; none when there were none.</summary>
    public double? ChurnRate => FriendsAtStart == 0 ? null : (double)Lost / FriendsAtStart;

    /// <summary>Sums the days of each period; <paramref name="before"/> is the friends count at the end of the day before the range.</summary>
    public static IReadOnlyList<RelationshipPeriod> Of(ReportRange range, IReadOnlyDictionary<DateOnly, RelationshipDay> days, int before)
    {
        var periods = new List<RelationshipPeriod>();
        var friends = before;
        foreach (var (start, end) in range.Periods())
        {
            var (atStart, added, imported, movedIn, lost, removed) = (friends, 0, 0, 0, 0, 0);
            for (var day = start; day <= end; day = day.AddDays(1))
            {
                if (days.GetValueOrDefault(day) is not { } d) continue;
                (added, imported, movedIn, lost, removed, friends) = (added + d.Added, imported + d.Imported, movedIn + d.MovedIn, lost + d.Lost, removed + d.Removed, d.Friends);
            }
            periods.Add(new(start, end, atStart, friends, added, imported, movedIn, lost, removed));
        }
        return periods;
    }
}

/// <summary>Rates per thousand (the churn-per-touch report's unit) and shares.</summary>
public static class Rates
{
    /// <summary><paramref name="events"/> per 1,000 <paramref name="exposures"/>; none without exposures.</summary>
    public static double? PerThousand(long events, double exposures) => exposures <= 0 ? null : 1000.0 * events / exposures;

    /// <summary>
    /// <paramref name="part"/> of <paramref name="whole"/> (a retention, a repurchase rate, a tag's share, a cap's
    /// fill); none of nothing, never a division by zero shown as 0%.
    /// </summary>
    public static double? Share(double part, double whole) => whole <= 0 ? null : part / whole;

    /// <summary>How long after a touch a deletion counts against it.</summary>
    public static readonly TimeSpan TouchWindow = TimeSpan.FromHours(48);
}
