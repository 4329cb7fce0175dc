using System.Text;
using Matrix.Domain.Customers;

namespace Matrix.Domain.FollowUps;

public enum TriggerKind { FriendAdded, Purchase, BeforeAttributeDate, NoReply, Weekly }

/// <summary>
/// What starts a plan for a customer; only the fields of its kind are used. FriendAdded and Purchase (optionally of
/// a <paramref name="Category"/>) are events; BeforeAttributeDate starts <paramref name="Days"/> before the date in
/// <paramref name="Attribute"/> (every year when <paramref name="Yearly"/>, as for a birthday); NoReply starts when the
/// customer has not written for <paramref name="Days"/>; Weekly at a fixed slot (<paramref name="Day"/>, <paramref name="At"/>).
/// </summary>
public sealed record PlanTrigger(TriggerKind Kind, string? Category = null, string? Attribute = null, int Days = 0, DayOfWeek? Day = null, TimeOnly? At = null,
    bool Yearly = false);

/// <summary>Who a plan is for: every non-empty part must match (tags: all of them).</summary>
public sealed record PlanFilter(
    IReadOnlyList<CustomerClass>? Classes = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<ScoreBand>? Bands = null,
    IReadOnlyList<CustomerStage>? Stages = null)
{
    /// <summary>No condition at all: every customer matches, without anything about them being read.</summary>
    public bool MatchesEveryone() => Classes is not { Count: > 0 } && Tags is not { Count: > 0 } && Bands is not { Count: > 0 } && Stages is not { Count: > 0 };

    public bool Matches(CustomerClass cls, IReadOnlySet<string> tags, ScoreBand band, CustomerStage stage) =>
        (Classes is not { Count: > 0 } || Classes.Contains(cls))
        && (Tags is not { Count: > 0 } || Tags.All(tags.Contains))
        && (Bands is not { Count: > 0 } || Bands.Contains(band))
        && (Stages is not { Count: > 0 } || Stages.Contains(stage));
}

/// <summary>What ends a plan early for a customer (each optional).</summary>
public sealed record PlanEnd(string? WhenTagged = null, bool WhenBuys = false, bool WhenReplies = false, bool WhenInAnotherPlan = false);

/// <summary>A follow-up rule the ops team writes (SOP): trigger, who, when, what, and when to stop.</summary>
public sealed record FollowUpPlan(string Name, PlanTrigger Trigger, PlanFilter Filter, CalendarSpan Delay, CalendarSpan? Interval, string Template, PlanEnd Ends, bool Enabled = true)
{
    public const int TemplateMax = 1_000;

    public void Validate()
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "name", Name, 64);
        Check.Text(errors, "template", Template, TemplateMax);
        if (Delay.Months < 0 || Delay.Days < 0 || Delay.Time < TimeSpan.Zero) errors.Add(FieldError.Of("delay", RuleKeys.NotNegative, "must not be negative"));
        if (Interval is { } every && !every.IsPositive) errors.Add(FieldError.Of("interval", RuleKeys.IntervalPositive, "must be positive, or left out for a single touch"));
        switch (Trigger.Kind)
        {
            case TriggerKind.BeforeAttributeDate when string.IsNullOrWhiteSpace(Trigger.Attribute):
                errors.Add(FieldError.Of("trigger.attribute", RuleKeys.Required, "is required"));
                break;
            case TriggerKind.BeforeAttributeDate or TriggerKind.NoReply when Trigger.Days <= 0:
                errors.Add(FieldError.Of("trigger.days", RuleKeys.AtLeast, "must be at least {0}", 1));
                break;
            case TriggerKind.Weekly when Trigger.Day is null || Trigger.At is null:
                errors.Add(FieldError.Of("trigger.day", RuleKeys.Required, "is required"));
                break;
        }
        DomainValidationException.ThrowIfAny(errors);
    }
}

/// <summary>
/// Fills a message template: {nickname}, {persona_name}, {last_purchase} and any attribute by its key. An unknown
/// field is left as written, so a person sees it before sending instead of a silent blank.
/// </summary>
public static class TemplateRenderer
{
    public static string Render(string template, IReadOnlyDictionary<string, string> fields)
    {
        var result = new StringBuilder(template.Length);
        for (var i = 0; i < template.Length; i++)
        {
            var close = template[i] == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close > i + 1 && fields.TryGetValue(template[(i + 1)..close], out var value))
            {
                result.Append(value);
                i = close;
            }
            else result.Append(template[i]);
        }
        return result.ToString();
    }
}
