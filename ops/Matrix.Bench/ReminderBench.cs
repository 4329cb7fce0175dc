using Matrix.Runtime.Storage;
using System.Diagnostics;
using Matrix.Runtime;
using Matrix.Runtime.Reminders;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Bench;

public interface IBenchReminderGrain : IGrain
{
    Task Noop();
}

public sealed class BenchReminderGrain : IBenchReminderGrain, IRemindable
{
    Task IBenchReminderGrain.Noop() => Task.CompletedTask;

    Task IRemindable.ReceiveReminder(string name, TickStatus status) => Task.CompletedTask;
}

/// <summary>
/// N reminders fall due at the same instant. The runtime claims, activates each grain, delivers and completes;
/// the raw loop only claims and deletes rows with the same "for update skip locked" statement shape.
/// Lateness is delivery time minus due time.
/// </summary>
internal static class ReminderBench
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        await using var db = DatabaseConnections.Create(connectionString);
        var (runtimeRate, runtimeLate) = await RunRuntimeAsync(connectionString, db, settings.Reminders);
        var (rawRate, rawLate) = await RunRawAsync(db, settings.Reminders);
        report.Add($"reminders delivered / s ({settings.Reminders:N0} due at once)", $"{runtimeRate:N0}", $"{rawRate:N0}", $"{runtimeRate / rawRate:P0} of raw");
        report.Add("lateness p50", Ms(Percentile(runtimeLate, 0.50)), Ms(Percentile(rawLate, 0.50)), "");
        report.Add("lateness p99", Ms(Percentile(runtimeLate, 0.99)), Ms(Percentile(rawLate, 0.99)), "");
    }

    private static async Task<(double Rate, List<TimeSpan> Lateness)> RunRuntimeAsync(string connectionString, NpgsqlDataSource db, int count)
    {
        using var host = await Nodes.StartAsync(connectionString, s => s.AddGrain<IBenchReminderGrain, BenchReminderGrain>());
        // Recording must cost the subject almost nothing: a slot per delivery and one counter (ConcurrentBag.Count
        // would take all the bag's locks on every delivery).
        var lateness = new TimeSpan[count];
        var delivered = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = host.Services.GetRequiredService<ReminderService>();
        service.Delivered += (tick, at) =>
        {
            var n = Interlocked.Increment(ref delivered);
            if (n <= count) lateness[n - 1] = at - tick.TickDueAt;
            if (n == count) done.TrySetResult();
        };

        // Rows are written straight into the table (registration speed is not what is measured here).
        await Execute(db, $"insert into grain_reminders (grain_type, grain_key, name, start_at, next_due_at) select 'benchReminder', 'b' || i, 'due', 'infinity', 'infinity' from generate_series(1, {count}) i");
        var due = DateTimeOffset.UtcNow + Lead;
        await Execute(db, "update grain_reminders set start_at = $1, next_due_at = $1; select pg_notify('matrix_reminders', '')", due);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var elapsed = DateTimeOffset.UtcNow - due;
        await host.StopAsync();
        return (count / elapsed.TotalSeconds, lateness.ToList());
    }

    private static async Task<(double Rate, List<TimeSpan> Lateness)> RunRawAsync(NpgsqlDataSource db, int count)
    {
        await Execute(db, "create table bench_raw_queue (id bigint primary key, due_at timestamptz not null); create index on bench_raw_queue (due_at)");
        await Execute(db, $"insert into bench_raw_queue select i, 'infinity' from generate_series(1, {count}) i");
        var due = DateTimeOffset.UtcNow + Lead;
        await Execute(db, "update bench_raw_queue set due_at = $1", due);

        var lateness = new List<TimeSpan>(count);
        while (lateness.Count < count)
        {
            await using var cmd = db.CreateCommand("""
                delete from bench_raw_queue where id in (
                    select id from bench_raw_queue where due_at <= $1 order by due_at limit 500 for update skip locked)
                returning due_at
                """);
            cmd.Parameters.Add(new() { Value = DateTimeOffset.UtcNow });
            await using var reader = await cmd.ExecuteReaderAsync();
            var batch = new List<DateTimeOffset>();
            while (await reader.ReadAsync()) batch.Add(reader.GetFieldValue<DateTimeOffset>(0));
            var now = DateTimeOffset.UtcNow;
            lateness.AddRange(batch.Select(d => now - d));
            if (batch.Count == 0) await Task.Delay(1);
        }
        var elapsed = DateTimeOffset.UtcNow - due;
        return (count / elapsed.TotalSeconds, lateness);
    }

    private static async Task Execute(NpgsqlDataSource db, string sql, object? parameter = null)
    {
        await using var batch = db.CreateBatch();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cmd = new NpgsqlBatchCommand(statement);
            if (statement.Contains("$1")) cmd.Parameters.Add(new() { Value = parameter });
            batch.BatchCommands.Add(cmd);
        }
        await batch.ExecuteNonQueryAsync();
    }

    private static TimeSpan Percentile(List<TimeSpan> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:N0} ms";
}
