using Matrix.Bench;
using Matrix.Runtime.Embedded;

// Macro benchmarks: the runtime against the raw SQL loop it is built on, in one run on one database.
// Usage: Matrix.Bench [--writes N] [--reminders N] [--scans N] [--followups N] [--demo N] [--concurrency N]
var settings = BenchSettings.Parse(args);
var dir = Path.Combine(Path.GetTempPath(), $"matrix-bench-{Guid.NewGuid():N}");
await using var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = dir, DeleteOnStop = true });
var report = new Report(settings);

await StateWriteBench.RunAsync(server.ConnectionString, settings, report);
await ReminderBench.RunAsync(server.ConnectionString, settings, report);
await OverflowBench.RunAsync(server.ConnectionString, settings, report);
await FollowUpBench.RunAsync(server.ConnectionString, settings, report);
await DemoBench.RunAsync(server.ConnectionString, settings, report);

Console.WriteLine(report.ToMarkdown());
