namespace Matrix.Domain.FollowUps;

/// <summary>
/// A person can do only so much: an account takes at most its daily budget of follow-up tasks a day. A task over
/// it is carried to the next day with room, at the start of that day's working hours (the end of the quiet
/// hours), so carried tasks come first there, in the order they were due.
/// </summary>
public static class TaskBudget
{
    /// <summary>Where a task wanted at <paramref name="wantedLocal"/> goes, given how many tasks each day already holds.</summary>
    public static DateTime Place(DateTime wantedLocal, int? budget, QuietHours quiet, Func<DateOnly, int> tasksOn)
    {
        if (budget is not { } max) return wantedLocal;
        var at = wantedLocal;
        for (var i = 0; i < 366 && tasksOn(DateOnly.FromDateTime(at)) >= max; i++)
            at = at.Date.AddDays(1) + quiet.To.ToTimeSpan();
        return at;
    }
}
