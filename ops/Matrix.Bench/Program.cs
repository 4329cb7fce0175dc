using Matrix.Bench;
using Matrix.Storage.Embedded;

// Macro benchmarks: the runtime against the raw SQL loop it is built on, in one run on one database.
// Usage: Matrix.Bench [--writes N] [--reminders N] [--scans N] [--followups N] [--demo N] [--list N] [--scale N] [--concurrency N] [--only scans,demo,list,scale] [--connection "Host=...;Database=empty"]
var settings = BenchSettings.Parse(args);
// --connection runs against a server of one's own (an empty database); by default a private one is started.
var given = Array.IndexOf(args, "--connection") is var c and >= 0 && c + 1 < args.Length ? args[c + 1] : null;
var dir = Path.Combine(Path.GetTempPath(), $"matrix-bench-{Guid.NewGuid():N}");
await using var server = given is null ? await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = dir, DeleteOnStop = true }) : null;
var connectionString = given ?? server!.ConnectionString;
var report = new Report(settings);

if (settings.Runs("writes")) await StateWriteBench.RunAsync(connectionString, settings, report);
if (settings.Runs("reminders")) await ReminderBench.RunAsync(connectionString, settings, report);
if (settings.Runs("scans")) await OverflowBench.RunAsync(connectionString, settings, report);
if (settings.Runs("followups")) await FollowUpBench.RunAsync(connectionString, settings, report);
if (settings.Runs("demo")) await DemoBench.RunAsync(connectionString, settings, report);
if (settings.Runs("list")) await ListBench.RunAsync(connectionString, settings, report);
if (settings.Runs("scale")) await ScaleBench.RunAsync(connectionString, settings, report);

Console.WriteLine(report.ToMarkdown());
