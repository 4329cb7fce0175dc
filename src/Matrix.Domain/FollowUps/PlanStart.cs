using Matrix.Domain.Customers;

namespace Matrix.Domain.FollowUps;

/// <summary>What the time-driven triggers read of a customer.</summary>
public sealed record CustomerClock(DateTimeOffset FirstAddedAt, DateTimeOffset? LastReplyAt, CustomerProfile Profile);

/// <summary>Where a plan's schedule is anchored for a customer, for the triggers that follow the customer's state rather than an event.</summary>
public static class PlanStart
{
    public static bool FollowsState(TriggerKind kind) => kind is TriggerKind.NoReply or TriggerKind.Weekly or TriggerKind.BeforeAttributeDate;

    /// <summary>
    /// The anchor of a state-driven plan for this customer now, or null when it does not apply (no such date, a
    /// one-off date already past). No reply: N days after the last message, or after the add if none came. Weekly:
    /// the next slot. Before a date: midnight N days before it.
    /// </summary>
    public static DateTimeOffset? Anchor(PlanTrigger trigger, CustomerClock customer, DateTimeOffset now, TimeZoneInfo zone)
    {
        var localNow = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        DateTime? local = trigger.Kind switch
        {
            TriggerKind.NoReply => TimeZoneInfo.ConvertTime(customer.LastReplyAt ?? customer.FirstAddedAt, zone).DateTime.AddDays(trigger.Days),
            TriggerKind.Weekly when trigger is { Day: { } day, At: { } at } => TriggerTimes.NextWeekly(day, at, localNow),
            TriggerKind.BeforeAttributeDate when trigger.Attribute is { } a && customer.Profile.DateOf(a) is { } date =>
                TriggerTimes.BeforeDate(date, trigger.Days, trigger.Yearly, localNow),
            _ => null,
        };
        return local is { } l ? new DateTimeOffset(l, zone.GetUtcOffset(l)) : null;
    }
}
