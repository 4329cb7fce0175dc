using Matrix.Domain.Customers;

namespace Matrix.Grains.Customers;

/// <summary>
/// What only the customer grain knows. The customer's accounts, source channel and channel tags are the ledger's
/// account_friends rows (<see cref="CustomerReader"/> puts the two together).
/// </summary>
public sealed class CustomerState
{
    /// <summary>Tags a person gave by hand (channel tags come with the friendship).</summary>
    public SortedSet<string> Tags { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When the customer was moved between WeCom members (WeCom allows two transfers in 90 days).</summary>
    public List<DateTimeOffset> TransfersAt { get; set; } = [];

    public List<Purchase> Purchases { get; set; } = [];

    public DateTimeOffset? LastReplyAt { get; set; }

    /// <summary>When the customer wrote to us, kept for 90 days (the engagement part of the score).</summary>
    public List<DateTimeOffset> MessagesAt { get; set; } = [];

    public CustomerProfile Profile { get; set; } = new();

    /// <summary>The customers this one brought (裂变): the referral part of the score.</summary>
    public SortedSet<string> Referred { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Changes people made (profile, tags, transfers), newest last, for the timeline; the oldest go past <see cref="CustomerGrain.ChangesKept"/>.</summary>
    public List<CustomerChange> Changes { get; set; } = [];

    /// <summary>When a person touched the customer (a task done for them): the last touch a segment reads. The message budget counts the tasks themselves (TaskStore.PlaceMessagesAsync).</summary>
    public List<DateTimeOffset> TouchesAt { get; set; } = [];

    /// <summary>When this customer's plans' tasks placed ahead of their time are due: while one lies ahead, a change that ends a plan looks for its task to take back.</summary>
    public List<DateTimeOffset> BookedAt { get; set; } = [];

    /// <summary>The plans running for this customer, by plan id.</summary>
    public Dictionary<string, PlanRun> Plans { get; set; } = [];

    /// <summary>
    /// The anchor of each plan's last run that came to its end (its last touch made, or ended early): a replayed
    /// event with the same anchor (a till or a webhook sending an add again) does not run it a second time.
    /// </summary>
    public Dictionary<string, DateTimeOffset> Finished { get; set; } = [];
}

/// <param name="Anchor">What the plan counts from (the purchase, the add).</param>
/// <param name="Occurrence">Which touch of the plan is next (0 is the first).</param>
/// <param name="PostponedTo">When the touch waits past its time (quiet hours, the cap, a day off): the time it waits for.</param>
/// <remarks>
/// The due time is not kept: it follows from the plan as it is now. A plan edit then changes nothing stored for the
/// customers running it, only when their reminders fire.
/// </remarks>
public sealed record PlanRun(DateTimeOffset Anchor, int Occurrence, DateTimeOffset? PostponedTo = null)
{
    /// <summary>When the touch is due under <paramref name="plan"/>: its occurrence's time, or later while it waits.</summary>
    public DateTimeOffset DueAt(Domain.FollowUps.FollowUpPlan plan, TimeZoneInfo zone)
    {
        var at = Domain.FollowUps.DueTimes.OccurrenceOf(plan, Anchor, Occurrence, zone);
        return PostponedTo is { } waits && waits > at ? waits : at;
    }

    /// <summary>Whether the run goes on under <paramref name="plan"/>: not once its one touch is behind it and the plan no longer repeats.</summary>
    public bool ContinuesUnder(Domain.FollowUps.FollowUpPlan plan) => Occurrence == 0 || Domain.FollowUps.TriggerTimes.RepeatOf(plan) is not null;
}

/// <summary>A change a person made to the customer: "tag +近视", "profile phone", "transfer".</summary>
public sealed record CustomerChange(DateTimeOffset At, string What, string Detail, string By);

public enum PurchaseOutcome { Recorded, Duplicate }

public enum RefundOutcome { Refunded, AlreadyRefunded, UnknownOrder }
