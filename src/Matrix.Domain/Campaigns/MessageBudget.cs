using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Campaigns;

/// <summary>Why a recipient gets no message from an occurrence.</summary>
public static class SkipReasons
{
    /// <summary>The customer is no friend of any account the campaign may send from.</summary>
    public const string NoAccount = "no_account";

    /// <summary>The budget, quiet hours and the account's shifts leave no time before the occurrence's deadline.</summary>
    public const string OverBudget = "over_budget";

    /// <summary>The campaign was cancelled before the message was placed.</summary>
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [NoAccount, OverBudget, Cancelled];
}

/// <summary>
/// The one per-customer message budget, shared by campaigns, follow-up plans and Moments nudges: at most
/// <see cref="FrequencyCap.Touches"/> messages in any rolling <see cref="FrequencyCap.Window"/> (Matrix:CapTouches,
/// Matrix:CapWindow), never in quiet hours, only in the account's shifts. Service messages (task kind
/// <see cref="ServiceKind"/>) are exempt. A campaign's message is checked when it is sent (the occurrence's time, not
/// the campaign's creation): one that cannot go now is deferred to the earliest time allowed, or skipped with its
/// reason when that falls after the occurrence's deadline; never dropped.
/// </summary>
public static class MessageBudget
{
    /// <summary>The task kind of a message the budget does not count (an answer to a question, an order notice).</summary>
    public const string ServiceKind = "service";

    /// <summary>
    /// Who ended a message task the platform refused because the customer had already received another mass message
    /// (WeCom's per-customer quota): the task is skipped, yet it counts in the budget like a message done, since the
    /// customer did get a message that day.
    /// </summary>
    public const string RefusedForQuota = "wecom:quota";

    /// <summary>How long a campaign's message may wait for room in the budget (at most until the next occurrence).</summary>
    public static readonly TimeSpan DeferLimit = TimeSpan.FromDays(3);

    public static bool Counts(string taskKind) => taskKind != ServiceKind;

    /// <summary>The latest a message of an occurrence at <paramref name="occurrence"/> may be placed.</summary>
    public static DateTimeOffset Deadline(DateTimeOffset occurrence, DateTimeOffset? next) =>
        next is { } n && n < occurrence + DeferLimit ? n : occurrence + DeferLimit;

    /// <summary>When a message wanted at <paramref name="wanted"/> goes, or null (skipped: over budget) when not by <paramref name="deadline"/>.</summary>
    /// <param name="counted">The customer's messages the budget counts: touches done and messages placed, not yet done.</param>
    public static DateTimeOffset? Place(DateTimeOffset wanted, DateTimeOffset deadline, QuietHours quiet, FrequencyCap cap, IReadOnlyList<DateTimeOffset> counted,
        Roster roster, TimeZoneInfo zone)
    {
        var at = Earliest(wanted, quiet, cap, counted, roster, zone);
        return at <= deadline ? at : null;
    }

    /// <summary>The earliest time at or after <paramref name="wanted"/> the budget, quiet hours and the roster allow.</summary>
    public static DateTimeOffset Earliest(DateTimeOffset wanted, QuietHours quiet, FrequencyCap cap, IReadOnlyList<DateTimeOffset> counted, Roster roster, TimeZoneInfo zone) =>
        TouchPlacement.Place(wanted, quiet, cap, counted, roster, zone);

    /// <summary>
    /// When a message whose budget allows <paramref name="start"/> goes on its account's queue: a day the account's
    /// daily task budget has filled (<see cref="TaskBudget"/>) sends it to the next day with room, where the
    /// customer's budget is checked again (a day further on may hold their other messages), until both allow it.
    /// The daily budget may carry a message past <paramref name="deadline"/>; the customer's budget may not: a message
    /// it would move past the deadline is not in time (skipped, or for a plan's touch, waits until <c>At</c>).
    /// </summary>
    public static (DateTimeOffset At, bool InTime) OnQueue(DateTimeOffset start, DateTimeOffset deadline, QuietHours quiet, FrequencyCap cap,
        IReadOnlyList<DateTimeOffset> counted, Roster roster, TimeZoneInfo zone, int? dailyTasks, Func<DateOnly, int> tasksOn)
    {
        var at = start;
        for (var i = 0; i < 50; i++)
        {
            var local = TimeZoneInfo.ConvertTime(at, zone).DateTime;
            var onDay = TaskBudget.Place(local, dailyTasks, quiet, tasksOn);
            if (onDay == local) return (at, true);
            var carried = new DateTimeOffset(onDay, zone.GetUtcOffset(onDay));
            at = Earliest(carried, quiet, cap, counted, roster, zone);
            if (at != carried && at > deadline) return (at, false);
        }
        return (at, true);
    }
}
