using Matrix.Storage;
using System.Diagnostics;
using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains;
using Matrix.Grains.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Bench;

/// <summary>
/// Scans and confirmations for one pool of three accounts (a scan reads the pool, picks, reserves; a confirmation
/// records the friend and consumes the slot), against the raw rate of a single-row "update ... set n = n + 1"
/// from the same number of concurrent callers: the statement every slot ultimately contends on.
/// </summary>
internal static class OverflowBench
{
    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        // The raw rate is measured before and after the pairs and averaged: it follows the disk's flush latency,
        // which drifts on a shared machine over the length of a run.
        await using var db = DatabaseConnections.Create(connectionString);
        await using (var setup = db.CreateCommand("create table bench_raw_counter (id int primary key, n bigint not null); insert into bench_raw_counter values (1, 0)"))
            await setup.ExecuteNonQueryAsync();
        var rawBefore = await RawAsync(db, settings);
        var runtime = await PairsAsync(connectionString, settings);
        var raw = (rawBefore + await RawAsync(db, settings)) / 2;
        report.Add($"scan + confirm pairs / s (one pool of 3, {settings.Scans:N0} pairs)", $"{runtime:N0}", $"{raw:N0} single-row updates / s", $"{runtime / raw:P0} of raw");
    }

    private static async Task<double> PairsAsync(string connectionString, BenchSettings settings)
    {
        using var host = await Nodes.StartAsync(connectionString);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await grains.Get<IPersonaGrain>("bench-persona").Create(new PersonaDetails("bench", null, null, new PersonaProfile()));
        var capacity = new CapacitySettings { HardCap = 20_000, SoftCap = 20_000, Reserve = 0, DailyBudget = null };
        for (var i = 0; i < 3; i++)
            await grains.Get<IAccountGrain>($"bench-{i}").Create(new AccountSettings($"wx{i}", AccountKind.WeCom, 1, null, null, capacity, Roster.AlwaysOn),
                "bench-persona", AccountRole.Traffic, AccountStatus.Active, "bench");
        await grains.Get<IChannelGrain>("bench").Create(new ChannelDefinition("bench", "bench-persona", null, "bench", [], null, []));

        var liveCodes = host.Services.GetRequiredService<LiveCodeService>();
        var events = host.Services.GetRequiredService<FriendEventService>();
        var pairs = settings.Scans;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < pairs)
            {
                var scan = await liveCodes.ScanAsync("bench");
                await events.AddedAsync(new FriendAddedEvent(scan!.AccountId!, $"c{i}", DateTimeOffset.UtcNow, $"k{i}", "bench"));
            }
        })));
        var rate = pairs / watch.Elapsed.TotalSeconds;
        await host.StopAsync();
        return rate;
    }

    private static async Task<double> RawAsync(NpgsqlDataSource db, BenchSettings settings)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < settings.Scans)
            {
                await using var cmd = db.CreateCommand("update bench_raw_counter set n = n + 1 where id = 1");
                await cmd.ExecuteNonQueryAsync();
            }
        })));
        return settings.Scans / watch.Elapsed.TotalSeconds;
    }
}
