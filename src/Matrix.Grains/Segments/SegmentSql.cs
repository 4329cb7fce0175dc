using System.Text;
using Matrix.Domain.Customers;
using Matrix.Domain.Segments;
using Npgsql;

namespace Matrix.Grains.Segments;

/// <summary>
/// A validated predicate as a SQL condition over customer_index (alias <c>c</c>, Migrations/0019), its values as
/// parameters numbered from a given position. Facts kept on the row are compared directly; purchases of a category
/// or within a window look at the customer's orders (purchase_orders by customer).
/// </summary>
public sealed class SegmentSql
{
    private readonly StringBuilder _sql = new();
    private readonly List<NpgsqlParameter> _parameters = [];
    private readonly int _first;
    private readonly SegmentContext _context;

    private SegmentSql(int first, SegmentContext context) => (_first, _context) = (first, context);

    public string Condition => _sql.ToString();

    public IReadOnlyList<NpgsqlParameter> Parameters => _parameters;

    /// <summary>The condition for <paramref name="predicate"/>, its parameters numbered from <paramref name="first"/>.</summary>
    public static SegmentSql Of(SegmentPredicate predicate, SegmentContext context, int first = 1)
    {
        var sql = new SegmentSql(first, context);
        sql.Write(predicate);
        return sql;
    }

    private string P(object value)
    {
        _parameters.Add(new() { Value = value });
        return "$" + (_first + _parameters.Count - 1);
    }

    private void Write(SegmentPredicate p)
    {
        if (p.All is { } all) Join(all, " and ");
        else if (p.Any is { } any) Join(any, " or ");
        else if (p.Not is { } not) { _sql.Append("not coalesce("); Write(not); _sql.Append(", false)"); }
        else _sql.Append('(').Append(Leaf(p)).Append(')');
    }

    private void Join(IReadOnlyList<SegmentPredicate> parts, string op)
    {
        _sql.Append('(');
        for (var i = 0; i < parts.Count; i++)
        {
            if (i > 0) _sql.Append(op);
            Write(parts[i]);
        }
        _sql.Append(')');
    }

    private string Leaf(SegmentPredicate p) => p.Field switch
    {
        "class" => $"c.class = any({P(p.In!.ToArray())})",
        "band" => $"c.band = any({P(p.In!.ToArray())})",
        "stage" => $"c.stage = any({P(p.In!.ToArray())})",
        "channel" => $"c.source_channel = any({P(p.In!.ToArray())})",
        "account" => $"c.accounts && {P(p.In!.ToArray())}",
        "persona" => $"c.accounts && {P(p.In!.SelectMany(id => _context.PersonaAccounts.GetValueOrDefault(id) ?? []).ToArray())}",
        "team" => $"c.accounts && {P(p.In!.SelectMany(id => _context.TeamAccounts.GetValueOrDefault(id) ?? []).ToArray())}",
        "tags" => Tags(p),
        "purchases" when p.Category is null && p.WithinDays is null => Between("c.purchase_count", p),
        "purchases" => Between($"(select count(*) from purchase_orders o where o.customer_id = c.id and o.refunded_at is null{OrderFilter(p)})", p),
        "spend" => Between("c.spend", p),
        "lastPurchase" when p.Category is null => When("c.last_purchase_at", p),
        "lastPurchase" => When($"(select max(o.at) from purchase_orders o where o.customer_id = c.id and o.refunded_at is null{OrderFilter(p with { WithinDays = null })})", p),
        "lastTouch" => When("c.last_touch_at", p),
        "lastReply" => When("c.last_reply_at", p),
        "added" => When("c.first_added_at", p),
        "attribute" when p.ThisMonth == true => $"substr(c.attributes ->> {P(p.Key!)}, 6, 2) = {P(_context.Today.ToString("MM", System.Globalization.CultureInfo.InvariantCulture))}",
        "attribute" => $"substr(c.attributes ->> {P(p.Key!)}, 6, 5) = any({P(SegmentPredicate.MonthDaysAhead(_context.Today, p.WithinDays!.Value).ToArray())})",
        _ => throw new ArgumentException($"unvalidated field {p.Field}"),
    };

    private string Tags(SegmentPredicate p)
    {
        var tags = p.In?.ToArray() ?? [.. _context.Tags.Dimensions.GetValueOrDefault(p.Dimension!) ?? []];
        var all = "(c.tags || c.link_tags)";
        return p.Match switch
        {
            "all" => $"{all} @> {P(tags)}",
            "none" => $"not ({all} && {P(tags)})",
            _ => $"{all} && {P(tags)}",
        };
    }

    private string OrderFilter(SegmentPredicate p) =>
        (p.Category is { } category ? $" and {P(category)} = any(o.categories)" : "")
        + (p.WithinDays is { } days ? $" and o.at >= {P(_context.Now.AddDays(-days).ToUniversalTime())}" : "");

    private string Between(string value, SegmentPredicate p) =>
        string.Join(" and ", new[] { p.Min is { } min ? $"{value} >= {P(min)}" : null, p.Max is { } max ? $"{value} <= {P(max)}" : null }.Where(c => c is not null));

    private string When(string at, SegmentPredicate p) =>
        p.Never == true ? $"{at} is null"
        : p.WithinDays is { } within ? $"{at} >= {P(_context.Now.AddDays(-within).ToUniversalTime())}"
        : $"{at} < {P(_context.Now.AddDays(-p.BeforeDays!.Value).ToUniversalTime())}";
}
