namespace Matrix.Bench;

/// <param name="Only">The benchmarks to run ("writes", "reminders", "scans", "followups", "demo", "list"); empty runs them all.</param>
/// <param name="ListCustomers">The largest customer list measured (10,000, 100,000 and 1,000,000 up to it).</param>
/// <param name="ScaleCustomers">The largest chain built and served (10,000, 100,000 and 1,000,000 customers up to it).</param>
/// <param name="Reuse">Serve chains built by an earlier run on the same server (<c>--connection</c>) instead of building them again.</param>
/// <param name="Paths">Time only the pages and APIs whose path starts with this (<c>--paths /api/reports</c>), and skip the plan edit: a quick pass while tuning.</param>
/// <param name="Campaigns">With <c>--paths</c>, also run the segment and campaign pass (<c>--campaigns</c>); a whole run always does.</param>
public sealed record BenchSettings(int Writes, int Reminders, int Concurrency, int Scans, int FollowUps, int DemoCustomers, IReadOnlySet<string> Only,
    int ListCustomers = 1_000_000, int ScaleCustomers = 1_000_000, bool Reuse = false, string? Paths = null, bool Campaigns = false)
{
    public static readonly string[] Names = ["writes", "reminders", "scans", "followups", "demo", "list", "scale"];

    public bool Runs(string name) => Only.Count == 0 || Only.Contains(name);

    public static BenchSettings Parse(string[] args)
    {
        int Arg(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) && v > 0 ? v
                : i >= 0 ? throw new ArgumentException($"{name} takes a positive whole number") : fallback;
        }
        var only = Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length
            ? args[o + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet()
            : [];
        if (only.FirstOrDefault(n => !Names.Contains(n)) is { } unknown)
            throw new ArgumentException($"--only takes a comma-separated list of {string.Join(", ", Names)}; '{unknown}' is none of them");
        return new(Arg("--writes", 50_000), Arg("--reminders", 1_000_000), Arg("--concurrency", 16), Arg("--scans", 20_000), Arg("--followups", 100_000),
            Arg("--demo", 10_000), only, Arg("--list", 1_000_000), Arg("--scale", 1_000_000), args.Contains("--reuse"),
            Array.IndexOf(args, "--paths") is var p and >= 0 && p + 1 < args.Length ? args[p + 1] : null, args.Contains("--campaigns"));
    }
}

/// <summary>Collects result rows and prints them as the table that goes into docs/benchmarks.md.</summary>
public sealed class Report(BenchSettings settings)
{
    private readonly List<string> _rows = [];
    private readonly List<string> _sections = [];

    public void Add(string what, string runtime, string raw, string ratio)
    {
        _rows.Add($"| {what} | {runtime} | {raw} | {ratio} |");
        Console.Error.WriteLine(_rows[^1]); // progress: a long run shows what it has measured so far
    }

    /// <summary>A table of its own after the main one (markdown, heading included).</summary>
    public void AddSection(string markdown) => _sections.Add(markdown);

    public string ToMarkdown() => $"""
        Settings: {settings.Concurrency} concurrent callers; {settings.Writes:N0} state writes; {settings.Reminders:N0} customers' reminders held; {settings.Scans:N0} scan-and-confirm pairs; {settings.FollowUps:N0} customers' follow-ups due at once; a demo matrix of {settings.DemoCustomers:N0} customers; the customer list up to {settings.ListCustomers:N0} customers; chains up to {settings.ScaleCustomers:N0} customers.

        | measure | Matrix on Orleans | raw Npgsql loop | Matrix / raw |
        | --- | --- | --- | --- |
        {string.Join("\n", _rows)}

        {string.Join("\n\n", _sections)}
        """;
}
