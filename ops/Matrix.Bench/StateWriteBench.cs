using System.Diagnostics;
using Matrix.Storage;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Bench;

public interface IBenchCounterGrain : IGrainWithStringKey
{
    Task Increment();
}

public sealed class BenchCounterState
{
    public long Count { get; set; }
    public string Note { get; set; } = "a persona's counters";
}

public sealed class BenchCounterGrain([PersistentState("benchCounter", StorageHosting.GrainStore)] IPersistentState<BenchCounterState> state)
    : Grain, IBenchCounterGrain
{
    Task IBenchCounterGrain.Increment()
    {
        state.State.Count++;
        return state.WriteStateAsync();
    }
}

/// <summary>
/// Grain state writes per second (a grain call, a turn, Orleans's ADO.NET storage write with its version check)
/// against the bare "update ... where version = $v" loop on rows of the same shape, with the same number of
/// concurrent callers.
/// </summary>
internal static class StateWriteBench
{
    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        using var host = await Nodes.StartAsync(connectionString);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var perCaller = settings.Writes / settings.Concurrency;

        // Warm-up: activates the grains and creates their rows.
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(i => grains.GetGrain<IBenchCounterGrain>($"w{i}").Increment()));
        var runtime = await Measure(settings.Concurrency, async i =>
        {
            var grain = grains.GetGrain<IBenchCounterGrain>($"w{i}");
            for (var n = 0; n < perCaller; n++) await grain.Increment();
        });
        await host.StopAsync();

        await using var db = DatabaseConnections.Create(connectionString);
        await using (var setup = db.CreateCommand("""
            create table bench_raw_state (k text primary key, state bytea not null, version int not null);
            insert into bench_raw_state select 'r' || i, convert_to('{"count":0,"note":"a persona''s counters"}', 'UTF8'), 1 from generate_series(0, 255) i
            """)) await setup.ExecuteNonQueryAsync();
        var raw = await Measure(settings.Concurrency, async i =>
        {
            var version = 1;
            for (var n = 0; n < perCaller; n++)
            {
                await using var cmd = db.CreateCommand("update bench_raw_state set state = $1, version = version + 1 where k = $2 and version = $3 returning version");
                cmd.Parameters.Add(new() { Value = System.Text.Encoding.UTF8.GetBytes($"{{\"count\":{n + 1},\"note\":\"a persona's counters\"}}") });
                cmd.Parameters.Add(new() { Value = $"r{i}" });
                cmd.Parameters.Add(new() { Value = version });
                version = (int)(await cmd.ExecuteScalarAsync())!;
            }
        });

        var total = perCaller * settings.Concurrency;
        report.Add("state writes / s", $"{total / runtime.TotalSeconds:N0}", $"{total / raw.TotalSeconds:N0}", $"{raw.TotalSeconds / runtime.TotalSeconds:P0} of raw");
    }

    internal static async Task<TimeSpan> Measure(int callers, Func<int, Task> caller)
    {
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(() => caller(i))));
        return watch.Elapsed;
    }
}
