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

    /// <summary>How long a campaign's message may wait for room in the budget (at most until the next occurrence).</summary>
    public static readonly TimeSpan DeferLimit = TimeSpan.FromDays(3);

    public static bool Counts(string taskKind) => taskKind != ServiceKind;

    /// <summary>The latest a message of an occurrence at <paramref name="occurrence"/> may be placed.</summary>
    public static DateTimeOffset Deadline(DateTimeOffset occurrence, DateTimeOffset? next) =>
        next is { } n && n < occurrence + DeferLimit ? n : occurrence + DeferLimit;

    /// <summary>When a message wanted at <paramref name="wanted"/> goes, or null (skipped: over budget) when not by <paramref name="deadline"/>.</summary>
    public static DateTimeOffset? Place(DateTimeOffset wanted, DateTimeOffset deadline, QuietHours quiet, FrequencyCap cap, IReadOnlyList<DateTimeOffset> booked,
        Roster roster, TimeZoneInfo zone)
    {
        var at = TouchPlacement.Place(wanted, quiet, cap, booked, roster, zone);
        return at <= deadline ? at : null;
    }
}
