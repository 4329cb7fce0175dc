using Matrix.Runtime.Tests.Grains;
using Npgsql;

namespace Matrix.Runtime.Tests;

public sealed class GrainStateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task State_survives_a_restart_of_the_runtime()
    {
        await using var cluster = await Clusters.StartAsync(1);
        var first = cluster.Nodes[0];
        for (var i = 0; i < 3; i++) await first.Grains.Get<ICounterGrain>("c1").Increment();
        await cluster.StopNodeAsync(first);

        var second = await cluster.StartNodeAsync();
        Assert.Equal(3, await second.Grains.Get<ICounterGrain>("c1").Get());
        Assert.Equal(3, await second.Grains.Get<ICounterGrain>("c1").StoredVersion());
    }

    [Fact]
    public async Task A_lost_race_between_two_nodes_raises_the_conflict_loses_no_update_and_the_next_call_succeeds()
    {
        // Without NOTIFY the second node cannot know its copy is old, so the race is certain to happen.
        await using var cluster = await Clusters.StartAsync(2, runtime: o => o.PublishStateChanges = false);
        var (a, b) = (cluster.Nodes[0].Grains.Get<ICounterGrain>("race"), cluster.Nodes[1].Grains.Get<ICounterGrain>("race"));
        Assert.Equal(0, await a.Get());
        Assert.Equal(0, await b.Get());

        Assert.Equal(1, await a.Increment());
        var conflict = await Assert.ThrowsAsync<GrainStateConflictException>(() => b.Increment());
        Assert.Equal("counter", conflict.GrainType);
        Assert.Equal(1, await ReadStoredCount(cluster.ConnectionString, "race"));

        Assert.Equal(2, await b.Increment()); // the dropped activation re-read version 1
        Assert.Equal(2, await ReadStoredCount(cluster.ConnectionString, "race"));
    }

    [Fact]
    public async Task A_write_on_one_node_makes_the_other_node_drop_its_stale_copy()
    {
        await using var cluster = await Clusters.StartAsync(2);
        var (a, b) = (cluster.Nodes[0].Grains.Get<ICounterGrain>("shared"), cluster.Nodes[1].Grains.Get<ICounterGrain>("shared"));
        Assert.Equal(0, await b.Get());

        var announced = cluster.Nodes[1].WaitForAnnouncementAsync(new GrainId("counter", "shared"));
        await a.Increment();
        await announced;

        Assert.Equal(1, await b.Get());
        Assert.Equal(2, await b.Increment()); // no conflict: the stale copy was dropped, not written from
    }

    [Fact]
    public async Task A_thousand_concurrent_increments_from_three_nodes_end_at_exactly_a_thousand()
    {
        await using var cluster = await Clusters.StartAsync(3);
        var conflicts = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, _) =>
        {
            var grain = cluster.Nodes[i % 3].Grains.Get<ICounterGrain>("hot");
            while (true)
            {
                try
                {
                    await grain.Increment();
                    return;
                }
                catch (GrainStateConflictException)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        });

        Assert.Equal(1000, await ReadStoredCount(cluster.ConnectionString, "hot"));
        Assert.Equal(1000, await ReadStoredVersion(cluster.ConnectionString, "hot")); // one successful write per increment, no more
        output.WriteLine($"conflicts retried by callers: {conflicts}");
    }

    [Fact]
    public async Task The_first_write_of_two_racing_activations_wins_and_the_other_conflicts()
    {
        await using var cluster = await Clusters.StartAsync(2, runtime: o => o.PublishStateChanges = false);
        var a = cluster.Nodes[0].Grains.Get<ICounterGrain>("new");
        var b = cluster.Nodes[1].Grains.Get<ICounterGrain>("new");
        await a.Get();
        await b.Get(); // both read "no row"

        await a.Increment(); // insert wins
        await Assert.ThrowsAsync<GrainStateConflictException>(() => b.Increment()); // its insert finds the row
        Assert.Equal(1, await ReadStoredCount(cluster.ConnectionString, "new"));
    }

    internal static Task<long> ReadStoredCount(string connectionString, string key) =>
        ReadCounterRow(connectionString, key, "(state->>'count')::bigint");

    private static Task<long> ReadStoredVersion(string connectionString, string key) => ReadCounterRow(connectionString, key, "version");

    private static async Task<long> ReadCounterRow(string connectionString, string key, string column)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"select {column} from grain_state where grain_type = 'counter' and grain_key = $1", connection);
        cmd.Parameters.Add(new() { Value = key });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
