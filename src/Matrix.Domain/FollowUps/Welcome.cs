namespace Matrix.Domain.FollowUps;

/// <summary>
/// A channel's welcome is said to a friend just added. An add reported long after it happened (a backfill, an import,
/// a webhook replayed days late) gets no welcome task: saying "welcome" a week into a friendship reads as a bot, and
/// a demo's thirty days of arrivals would otherwise put hundreds of welcomes on today's queue at once.
/// </summary>
public static class Welcome
{
    /// <summary>How old an add may be and still be welcomed: one day.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(1);

    public static bool IsDue(DateTimeOffset addedAt, DateTimeOffset now) => now - addedAt <= Window;
}
