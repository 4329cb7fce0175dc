namespace Matrix.Bench;

public sealed record BenchSettings(int Writes, int Reminders, int Concurrency, int Scans, int FollowUps, int DemoCustomers)
{
    public static BenchSettings Parse(string[] args)
    {
        int Arg(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) && v > 0 ? v
                : i >= 0 ? throw new ArgumentException($"{name} takes a positive whole number") : fallback;
        }
        return new(Arg("--writes", 50_000), Arg("--reminders", 100_000), Arg("--concurrency", 16), Arg("--scans", 20_000), Arg("--followups", 100_000),
            Arg("--demo", 10_000));
    }
}

/// <summary>Collects result rows and prints them as the table that goes into docs/benchmarks.md.</summary>
public sealed class Report(BenchSettings settings)
{
    private readonly List<string> _rows = [];

    public void Add(string what, string runtime, string raw, string ratio) => _rows.Add($"| {what} | {runtime} | {raw} | {ratio} |");

    public string ToMarkdown() => $"""
        Settings: {settings.Concurrency} concurrent callers; {settings.Writes:N0} state writes; {settings.Reminders:N0} reminders due at once; {settings.Scans:N0} scan-and-confirm pairs; {settings.FollowUps:N0} customers' follow-ups due at once; a demo matrix of {settings.DemoCustomers:N0} customers.

        | measure | Matrix runtime | raw Npgsql loop | runtime / raw |
        | --- | --- | --- | --- |
        {string.Join("\n", _rows)}
        """;
}
