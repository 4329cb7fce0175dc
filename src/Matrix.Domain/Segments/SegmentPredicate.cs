using System.Globalization;
using Matrix.Domain.Customers;

namespace Matrix.Domain.Segments;

/// <summary>
/// A condition on what Matrix knows of a customer, or a combination of them: exactly one of <see cref="All"/>,
/// <see cref="Any"/>, <see cref="Not"/> or a <see cref="Field"/> with its operands. As JSON:
/// <c>{"all":[{"field":"class","in":["C","D"]},{"not":{"field":"tags","in":["学生"]}}]}</c>.
/// </summary>
/// <remarks>
/// Fields and their operands:
/// class, band, stage, channel (source), account, persona, team: <see cref="In"/> (any of the values);
/// tags: <see cref="In"/> with <see cref="Match"/> any (default), all or none, or <see cref="Dimension"/> alone (any tag of it);
/// purchases: <see cref="Min"/>/<see cref="Max"/> orders, optionally of a <see cref="Category"/> and <see cref="WithinDays"/>;
/// spend: <see cref="Min"/>/<see cref="Max"/> yuan (all orders not refunded);
/// lastPurchase (optionally of a <see cref="Category"/>), lastTouch, lastReply, added: <see cref="WithinDays"/>,
/// <see cref="BeforeDays"/> (longer ago than), or <see cref="Never"/>;
/// attribute (a date such as a birthday, by <see cref="Key"/>): <see cref="ThisMonth"/> or <see cref="WithinDays"/> ahead.
/// </remarks>
public sealed record SegmentPredicate
{
    public IReadOnlyList<SegmentPredicate>? All { get; init; }
    public IReadOnlyList<SegmentPredicate>? Any { get; init; }
    public SegmentPredicate? Not { get; init; }

    public string? Field { get; init; }
    public IReadOnlyList<string>? In { get; init; }
    public string? Match { get; init; }
    public string? Dimension { get; init; }
    public string? Category { get; init; }
    public decimal? Min { get; init; }
    public decimal? Max { get; init; }
    public int? WithinDays { get; init; }
    public int? BeforeDays { get; init; }
    public bool? Never { get; init; }
    public string? Key { get; init; }
    public bool? ThisMonth { get; init; }

    public const int DepthMax = 5;
    public const int ConditionsMax = 50;
    public const int ValuesMax = 200;

    public static readonly IReadOnlyList<string> Fields =
        ["class", "band", "stage", "channel", "account", "persona", "team", "tags", "purchases", "spend", "lastPurchase", "lastTouch", "lastReply", "added", "attribute"];

    /// <summary>Every part that is wrong, each named by its path (predicate.all[1].in); nothing when the predicate can be evaluated.</summary>
    public IReadOnlyList<FieldError> Validate(TagCatalog tags, string path = "predicate")
    {
        var errors = new List<FieldError>();
        var conditions = 0;
        Check(this, path, 1);
        if (conditions > ConditionsMax) errors.Add(FieldError.Of(path, RuleKeys.TooMany, "at most {0} conditions", ConditionsMax));
        return errors;

        void Check(SegmentPredicate p, string at, int depth)
        {
            var kinds = (p.All is null ? 0 : 1) + (p.Any is null ? 0 : 1) + (p.Not is null ? 0 : 1) + (p.Field is null ? 0 : 1);
            if (kinds != 1) { errors.Add(FieldError.Of(at, RuleKeys.Required, "must be exactly one of all, any, not or field")); return; }
            if (depth > DepthMax) { errors.Add(FieldError.Of(at, RuleKeys.AtMost, "nested at most {0} deep", DepthMax)); return; }
            if (p.All is { } all) Each(all, at + ".all", depth);
            else if (p.Any is { } any) Each(any, at + ".any", depth);
            else if (p.Not is { } not) Check(not, at + ".not", depth + 1);
            else { conditions++; Leaf(p, at); }
        }

        void Each(IReadOnlyList<SegmentPredicate> list, string at, int depth)
        {
            if (list.Count == 0) errors.Add(FieldError.Of(at, RuleKeys.Required, "needs at least one condition"));
            for (var i = 0; i < list.Count; i++) Check(list[i], $"{at}[{i}]", depth + 1);
        }

        void Leaf(SegmentPredicate p, string at)
        {
            switch (p.Field)
            {
                case "class": Values(p, at, Enum.GetNames<CustomerClass>()); break;
                case "band": Values(p, at, Enum.GetNames<ScoreBand>()); break;
                case "stage": Values(p, at, Enum.GetNames<CustomerStage>()); break;
                case "channel" or "account" or "persona" or "team": Values(p, at, null); break;
                case "tags":
                    if (p.Match is not (null or "any" or "all" or "none")) errors.Add(FieldError.Of(at + ".match", RuleKeys.Unknown, "is any, all or none"));
                    if (p.Dimension is { } d && !tags.Dimensions.ContainsKey(d)) errors.Add(FieldError.Of(at + ".dimension", RuleKeys.Unknown, "no tag dimension '{0}'", d));
                    if (p.Dimension is null || p.In is not null) Values(p, at, null);
                    foreach (var (tag, i) in (p.In ?? []).Select((t, i) => (t, i)))
                        if (!tags.Contains(tag)) errors.Add(FieldError.Of($"{at}.in[{i}]", RuleKeys.Unknown, "no tag '{0}' in the tag list", tag));
                    break;
                case "purchases" or "spend":
                    if (p.Min is null && p.Max is null) errors.Add(FieldError.Of(at + ".min", RuleKeys.Required, "give min, max or both"));
                    if (p.Min < 0) errors.Add(FieldError.Of(at + ".min", RuleKeys.NotNegative, "must not be negative"));
                    if (p.Max < p.Min) errors.Add(FieldError.Of(at + ".max", RuleKeys.AtMost, "must not be below min"));
                    if (p.Field == "purchases") Days(p.WithinDays, at + ".withinDays", required: false);
                    Text(p.Category, at + ".category");
                    break;
                case "lastPurchase" or "lastTouch" or "lastReply" or "added":
                    var given = (p.WithinDays is null ? 0 : 1) + (p.BeforeDays is null ? 0 : 1) + (p.Never == true ? 1 : 0);
                    if (given != 1) errors.Add(FieldError.Of(at + ".withinDays", RuleKeys.Required, "give one of withinDays, beforeDays or never"));
                    if (p.Never == true && p.Field == "added") errors.Add(FieldError.Of(at + ".never", RuleKeys.Unknown, "every customer was added"));
                    Days(p.WithinDays, at + ".withinDays", required: false);
                    Days(p.BeforeDays, at + ".beforeDays", required: false);
                    Text(p.Category, at + ".category");
                    break;
                case "attribute":
                    if (string.IsNullOrWhiteSpace(p.Key)) errors.Add(FieldError.Of(at + ".key", RuleKeys.Required, "names the date attribute"));
                    if ((p.ThisMonth == true) == (p.WithinDays is not null)) errors.Add(FieldError.Of(at + ".thisMonth", RuleKeys.Required, "give thisMonth or withinDays"));
                    Days(p.WithinDays, at + ".withinDays", required: false, max: 366);
                    break;
                default:
                    errors.Add(FieldError.Of(at + ".field", RuleKeys.Unknown, "no field '{0}' ({1})", p.Field ?? "", string.Join(", ", Fields)));
                    break;
            }
        }

        void Values(SegmentPredicate p, string at, string[]? allowed)
        {
            if (p.In is not { Count: > 0 } values) { errors.Add(FieldError.Of(at + ".in", RuleKeys.Required, "needs at least one value")); return; }
            if (values.Count > ValuesMax) errors.Add(FieldError.Of(at + ".in", RuleKeys.TooMany, "at most {0}", ValuesMax));
            for (var i = 0; i < values.Count; i++)
                if (string.IsNullOrWhiteSpace(values[i]) || values[i].Length > 64) errors.Add(FieldError.Of($"{at}.in[{i}]", RuleKeys.Required, "must be 1 to 64 characters"));
                else if (allowed is not null && !allowed.Contains(values[i])) errors.Add(FieldError.Of($"{at}.in[{i}]", RuleKeys.Unknown, "is one of {0}", string.Join(", ", allowed)));
        }

        void Days(int? days, string at, bool required, int max = 3650)
        {
            if (days is null) { if (required) errors.Add(FieldError.Of(at, RuleKeys.Required, "is required")); return; }
            if (days < 0 || days > max) errors.Add(FieldError.Of(at, RuleKeys.AtMost, "must be between 0 and {0}", max));
        }

        void Text(string? value, string at)
        {
            if (value is { } v && (v.Length == 0 || v.Length > 64)) errors.Add(FieldError.Of(at, RuleKeys.AtMost, "must be 1 to 64 characters"));
        }
    }

    /// <summary>The month-days (MM-dd) from <paramref name="today"/> to <paramref name="days"/> ahead: a yearly date falls in them.</summary>
    public static IReadOnlyList<string> MonthDaysAhead(DateOnly today, int days) =>
        [.. Enumerable.Range(0, days + 1).Select(d => today.AddDays(d).ToString("MM-dd", CultureInfo.InvariantCulture)).Distinct()];
}
