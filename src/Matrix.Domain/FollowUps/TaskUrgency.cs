namespace Matrix.Domain.FollowUps;

/// <summary>Where a task stands against the clock, as Today groups an account's queue.</summary>
public enum Urgency { Overdue, DueNow, Later }

/// <summary>
/// One rule for "late": a task is due now from its due time until <see cref="Grace"/> has passed, then overdue; a
/// task due later today is not late at all. Without the grace every task turned red the minute it fell due, and a
/// queue of a hundred read as a hundred failures.
/// </summary>
public static class TaskUrgency
{
    /// <summary>How long a task may wait after its due time before it counts as overdue: one hour.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    public static Urgency Of(DateTimeOffset dueAt, DateTimeOffset now) =>
        dueAt > now ? Urgency.Later : now - dueAt > Grace ? Urgency.Overdue : Urgency.DueNow;

    /// <summary>The due time before which a task is overdue at <paramref name="now"/> (for counting in SQL).</summary>
    public static DateTimeOffset OverdueBefore(DateTimeOffset now) => now - Grace;
}
