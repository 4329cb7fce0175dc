using System.Globalization;
using Matrix.Domain.Customers;

namespace Matrix.Domain.Segments;

/// <summary>What a predicate's names mean when it is evaluated: personas' and teams' accounts, the tag list, the store's today.</summary>
public sealed record SegmentContext(IReadOnlyDictionary<string, string[]> PersonaAccounts, IReadOnlyDictionary<string, string[]> TeamAccounts,
    TagCatalog Tags, DateTimeOffset Now, DateOnly Today);

/// <summary>
/// The facts of one customer a predicate may name, as the facts writer keeps them: class, band and stage by the
/// domain's rules, the first channel and every account ever held, own and channel tags together, counted orders and
/// spend, the last purchase, reply and touch, the first add, profile attributes.
/// </summary>
public sealed record SegmentFacts(string Id, string? Class, string? Band, string? Stage, string? Channel, IReadOnlyList<string> Accounts,
    IReadOnlyList<string> Tags, int PurchaseCount, decimal Spend, DateTimeOffset? LastPurchaseAt, DateTimeOffset? LastReplyAt,
    DateTimeOffset? LastTouchAt, DateTimeOffset? AddedAt, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Whether a customer's facts match a validated predicate. A condition on a fact the customer lacks (no class yet,
/// never bought) is false, and so is its negation's inner part: "not" holds for a customer the inner condition does
/// not hold for. Conditions on orders of a category or within a window need the orders, not the facts
/// (<see cref="NeedsOrders"/>).
/// </summary>
public static class SegmentMatch
{
    /// <summary>Whether <paramref name="p"/> names orders of a category or within a window (evaluated over the orders themselves).</summary>
    public static bool NeedsOrders(SegmentPredicate p) =>
        p.All?.Any(NeedsOrders) == true || p.Any?.Any(NeedsOrders) == true || p.Not is { } not && NeedsOrders(not)
        || p.Field == "purchases" && (p.Category is not null || p.WithinDays is not null)
        || p.Field == "lastPurchase" && p.Category is not null;

    public static bool Matches(SegmentPredicate p, SegmentFacts f, SegmentContext context) => Compile(p, context)(f);

    /// <summary>The predicate as a test over one customer's facts, its values gathered once (for counting over many customers).</summary>
    public static Func<SegmentFacts, bool> Compile(SegmentPredicate p, SegmentContext context)
    {
        if (p.All is { } all)
        {
            var parts = all.Select(q => Compile(q, context)).ToArray();
            return f => parts.All(part => part(f));
        }
        if (p.Any is { } any)
        {
            var parts = any.Select(q => Compile(q, context)).ToArray();
            return f => parts.Any(part => part(f));
        }
        if (p.Not is { } not)
        {
            var inner = Compile(not, context);
            return f => !inner(f);
        }
        switch (p.Field)
        {
            case "class": { var values = Set(p.In!); return f => f.Class is { } v && values.Contains(v); }
            case "band": { var values = Set(p.In!); return f => f.Band is { } v && values.Contains(v); }
            case "stage": { var values = Set(p.In!); return f => f.Stage is { } v && values.Contains(v); }
            case "channel": { var values = Set(p.In!); return f => f.Channel is { } v && values.Contains(v); }
            case "account": return HoldsAny(Set(p.In!));
            case "persona": return HoldsAny(Set(p.In!.SelectMany(id => context.PersonaAccounts.GetValueOrDefault(id) ?? [])));
            case "team": return HoldsAny(Set(p.In!.SelectMany(id => context.TeamAccounts.GetValueOrDefault(id) ?? [])));
            case "tags":
            {
                var tags = Set(p.In ?? context.Tags.Dimensions.GetValueOrDefault(p.Dimension!) ?? []);
                return p.Match switch
                {
                    "all" => f => AllIn(tags, f.Tags),
                    "none" => f => !AnyIn(f.Tags, tags),
                    _ => f => AnyIn(f.Tags, tags),
                };
            }
            case "purchases" when !NeedsOrders(p): return f => Between(f.PurchaseCount, p);
            case "spend": return f => Between(f.Spend, p);
            case "lastPurchase" when !NeedsOrders(p): return When(f => f.LastPurchaseAt, p, context);
            case "lastTouch": return When(f => f.LastTouchAt, p, context);
            case "lastReply": return When(f => f.LastReplyAt, p, context);
            case "added": return When(f => f.AddedAt, p, context);
            case "attribute" when p.ThisMonth == true:
            {
                var (key, month) = (p.Key!, context.Today.ToString("MM", CultureInfo.InvariantCulture));
                return f => MonthDay(f, key) is { Length: >= 2 } md && md[..2] == month;
            }
            case "attribute":
            {
                var (key, days) = (p.Key!, Set(SegmentPredicate.MonthDaysAhead(context.Today, p.WithinDays!.Value)));
                return f => MonthDay(f, key) is { } day && days.Contains(day);
            }
            default: throw new ArgumentException($"cannot be evaluated over the facts: {p.Field}");
        }
    }

    private static HashSet<string> Set(IEnumerable<string> values) => new(values, StringComparer.Ordinal);

    private static Func<SegmentFacts, bool> HoldsAny(HashSet<string> accounts) => f => AnyIn(f.Accounts, accounts);

    private static bool AllIn(HashSet<string> wanted, IReadOnlyList<string> values)
    {
        foreach (var tag in wanted)
        {
            var found = false;
            for (var i = 0; i < values.Count && !found; i++) found = values[i] == tag;
            if (!found) return false;
        }
        return true;
    }

    /// <summary>Whether any of <paramref name="values"/> is in <paramref name="set"/> (a loop: it runs for every customer of a count, allocating nothing).</summary>
    public static bool AnyIn(IReadOnlyList<string> values, HashSet<string> set)
    {
        for (var i = 0; i < values.Count; i++)
            if (set.Contains(values[i])) return true;
        return false;
    }

    private static bool Between(decimal value, SegmentPredicate p) => (p.Min is not { } min || value >= min) && (p.Max is not { } max || value <= max);

    private static Func<SegmentFacts, bool> When(Func<SegmentFacts, DateTimeOffset?> at, SegmentPredicate p, SegmentContext context)
    {
        if (p.Never == true) return f => at(f) is null;
        if (p.WithinDays is { } within)
        {
            var since = context.Now.AddDays(-within);
            return f => at(f) >= since;
        }
        var before = context.Now.AddDays(-p.BeforeDays!.Value);
        return f => at(f) < before;
    }

    /// <summary>Characters 6 to 10 of a date attribute ("2001-03-15" → "03-15"), as far as the value reaches.</summary>
    private static string? MonthDay(SegmentFacts f, string key) =>
        f.Attributes.TryGetValue(key, out var value) ? value.Length <= 5 ? "" : value.Substring(5, Math.Min(5, value.Length - 5)) : null;
}
