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

    public static bool Matches(SegmentPredicate p, SegmentFacts f, SegmentContext context)
    {
        if (p.All is { } all) return all.All(q => Matches(q, f, context));
        if (p.Any is { } any) return any.Any(q => Matches(q, f, context));
        if (p.Not is { } not) return !Matches(not, f, context);
        return p.Field switch
        {
            "class" => Is(f.Class, p.In!),
            "band" => Is(f.Band, p.In!),
            "stage" => Is(f.Stage, p.In!),
            "channel" => Is(f.Channel, p.In!),
            "account" => f.Accounts.Any(p.In!.Contains),
            "persona" => f.Accounts.Any(p.In!.SelectMany(id => context.PersonaAccounts.GetValueOrDefault(id) ?? []).Contains),
            "team" => f.Accounts.Any(p.In!.SelectMany(id => context.TeamAccounts.GetValueOrDefault(id) ?? []).Contains),
            "tags" => Tags(p, f, context),
            "purchases" when !NeedsOrders(p) => Between(f.PurchaseCount, p),
            "spend" => Between(f.Spend, p),
            "lastPurchase" when !NeedsOrders(p) => When(f.LastPurchaseAt, p, context),
            "lastTouch" => When(f.LastTouchAt, p, context),
            "lastReply" => When(f.LastReplyAt, p, context),
            "added" => When(f.AddedAt, p, context),
            "attribute" when p.ThisMonth == true => MonthDay(f, p.Key!) is { Length: >= 2 } md && md[..2] == context.Today.ToString("MM", CultureInfo.InvariantCulture),
            "attribute" => MonthDay(f, p.Key!) is { } day && SegmentPredicate.MonthDaysAhead(context.Today, p.WithinDays!.Value).Contains(day),
            _ => throw new ArgumentException($"cannot be evaluated over the facts: {p.Field}"),
        };
    }

    private static bool Is(string? value, IReadOnlyList<string> values) => value is not null && values.Contains(value);

    private static bool Tags(SegmentPredicate p, SegmentFacts f, SegmentContext context)
    {
        var tags = p.In ?? context.Tags.Dimensions.GetValueOrDefault(p.Dimension!) ?? [];
        return p.Match switch
        {
            "all" => tags.All(f.Tags.Contains),
            "none" => !tags.Any(f.Tags.Contains),
            _ => tags.Any(f.Tags.Contains),
        };
    }

    private static bool Between(decimal value, SegmentPredicate p) => (p.Min is not { } min || value >= min) && (p.Max is not { } max || value <= max);

    private static bool When(DateTimeOffset? at, SegmentPredicate p, SegmentContext context) =>
        p.Never == true ? at is null
        : p.WithinDays is { } within ? at >= context.Now.AddDays(-within)
        : at < context.Now.AddDays(-p.BeforeDays!.Value);

    /// <summary>Characters 6 to 10 of a date attribute ("2001-03-15" → "03-15"), as far as the value reaches.</summary>
    private static string? MonthDay(SegmentFacts f, string key) =>
        f.Attributes.TryGetValue(key, out var value) ? value.Length <= 5 ? "" : value.Substring(5, Math.Min(5, value.Length - 5)) : null;
}
