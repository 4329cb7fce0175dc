using Matrix.Runtime.Reminders;
using Matrix.Runtime.Tests.Grains;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Runtime.Tests;

public sealed class ReminderTests(ITestOutputHelper output)
{
    private readonly ManualTimeProvider _clock = new();
    private readonly TickLog _ticks = new();

    [Fact]
    public async Task A_one_shot_reminder_fires_at_its_due_time_and_not_before()
    {
        await using var cluster = await Clusters.StartAsync(1, _clock, _ticks);
        var node = cluster.Nodes[0];
        var due = _clock.GetUtcNow().AddMinutes(5);
        await node.Grains.Get<IReminderGrain>("g1").Arm("follow-up", due, null);

        await AdvanceAsync(cluster, TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await node.PollRemindersOnceAsync()); // one second early: nothing is due
        Assert.Empty(_ticks.Ticks);

        var round = node.NextReminderRoundAsync();
        await AdvanceAsync(cluster, TimeSpan.FromSeconds(1));
        await round; // delivered and completed in the table
        var tick = Assert.Single(_ticks.Ticks);
        Assert.Equal(("g1", "follow-up", due, due), (tick.Grain, tick.Name, tick.Status.CurrentTickTime, tick.At));
        Assert.Null(tick.Status.Period);
        Assert.Empty(await node.Grains.Get<IReminderGrain>("g1").List()); // a one-shot reminder is gone once delivered
    }

    [Fact]
    public async Task A_periodic_reminder_ticks_on_its_grid_and_skips_missed_ticks_instead_of_bursting()
    {
        await using var cluster = await Clusters.StartAsync(1, _clock, _ticks);
        var node = cluster.Nodes[0];
        var start = _clock.GetUtcNow().AddMinutes(1);
        var period = TimeSpan.FromMinutes(1);
        await node.Grains.Get<IReminderGrain>("p").Arm("tick", start, period);

        await AdvanceAsync(cluster, TimeSpan.FromMinutes(1));
        await _ticks.WaitForAsync(1);
        await AdvanceAsync(cluster, TimeSpan.FromMinutes(1));
        await _ticks.WaitForAsync(2);
        Assert.Equal([start, start + period], _ticks.Ticks.Select(t => t.Status.CurrentTickTime));

        // Ten periods pass at once (the cluster was down, say): one late tick, not ten. Listen for the round only once
        // the poller is parked, or the round that completed the previous tick would answer.
        await cluster.RemindersIdleAsync();
        var round = node.NextReminderRoundAsync();
        _clock.Advance(TimeSpan.FromMinutes(10));
        await round;
        Assert.Equal(0, await node.PollRemindersOnceAsync());
        Assert.Equal(3, _ticks.Ticks.Count);
        var next = Assert.Single(await node.Grains.Get<IReminderGrain>("p").List()).NextDueAt;
        Assert.Equal(start + 12 * period, next); // back on the start + n × period grid, after now

        await AdvanceAsync(cluster, TimeSpan.FromMinutes(1));
        await _ticks.WaitForAsync(4);
        Assert.Equal(start + 12 * period, _ticks.Ticks.Last().Status.CurrentTickTime);
    }

    [Fact]
    public async Task Reminders_survive_a_restart()
    {
        await using var cluster = await Clusters.StartAsync(1, _clock, _ticks);
        var due = _clock.GetUtcNow().AddHours(3);
        await cluster.Nodes[0].Grains.Get<IReminderGrain>("r").Arm("after-restart", due, null);
        await cluster.StopNodeAsync(cluster.Nodes[0]);

        var fresh = await cluster.StartNodeAsync();
        await AdvanceAsync(cluster, TimeSpan.FromHours(3));
        await _ticks.WaitForAsync(1);
        var tick = Assert.Single(_ticks.Ticks);
        Assert.Equal((fresh.NodeId, due), (tick.Node, tick.Status.CurrentTickTime));
    }

    [Fact]
    public async Task A_reminder_whose_lease_holder_died_fires_on_another_node_after_the_lease()
    {
        var lease = TimeSpan.FromMinutes(2);
        await using var cluster = await Clusters.StartAsync(1, _clock, _ticks, reminders: o => o.LeaseDuration = lease);
        var due = _clock.GetUtcNow().AddMinutes(1);
        await cluster.Nodes[0].Grains.Get<IReminderGrain>("orphan").Arm("lease", due, null);
        await cluster.StopNodeAsync(cluster.Nodes[0]);

        // The dying node claims the tick and is gone before delivering it: it never completes or releases the claim.
        await AdvanceAsync(cluster, TimeSpan.FromMinutes(1));
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var (_, claimed) = await new ReminderTable(dataSource).ClaimAsync("dead-node", _clock.GetUtcNow(), lease, 10);
        Assert.Single(claimed);

        var survivor = await cluster.StartNodeAsync();
        Assert.Equal(0, await survivor.PollRemindersOnceAsync()); // still leased to the dead node

        await AdvanceAsync(cluster, lease);
        await survivor.PollRemindersOnceAsync(); // this round or the background one claims it, now the lease is over
        await _ticks.WaitForAsync(1);
        var tick = Assert.Single(_ticks.Ticks);
        Assert.Equal((survivor.NodeId, due), (tick.Node, tick.Status.CurrentTickTime)); // the original tick, late, not lost
    }

    [Fact]
    public async Task Ten_thousand_reminders_due_at_once_are_each_delivered_once_across_three_nodes()
    {
        await using var cluster = await Clusters.StartAsync(3, _clock, _ticks);
        var due = _clock.GetUtcNow().AddMinutes(10);
        await Parallel.ForEachAsync(Enumerable.Range(0, 10_000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            await cluster.Nodes[i % 3].Grains.Get<IReminderGrain>($"bulk-{i}").Arm("once", due, null));

        await AdvanceAsync(cluster, TimeSpan.FromMinutes(10));
        await _ticks.WaitForAsync(10_000, TimeSpan.FromMinutes(3));

        var delivered = _ticks.Ticks.ToList();
        var duplicates = delivered.Count - delivered.Select(t => t.Grain).Distinct().Count();
        var byNode = delivered.GroupBy(t => t.Node).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"delivered {delivered.Count}, duplicates {duplicates}, by node: {string.Join(", ", byNode.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Equal(0, duplicates);
        Assert.Equal(10_000, delivered.Select(t => t.Grain).Distinct().Count());
        foreach (var node in cluster.Nodes) Assert.Equal(0, await node.PollRemindersOnceAsync());
    }

    [Theory]
    [InlineData("tick", -60, "must be positive")]
    [InlineData("tick", 10, "must be at least 00:01:00")]
    [InlineData("", 120, "needs a name")]
    [InlineData("   ", 120, "needs a name")]
    public async Task Bad_registrations_are_refused_with_a_clear_message_and_store_nothing(string name, int periodSeconds, string expected)
    {
        await using var cluster = await Clusters.StartAsync(1, _clock, _ticks);
        var grain = cluster.Nodes[0].Grains.Get<IReminderGrain>("bad");

        var refused = await Assert.ThrowsAsync<ReminderRegistrationException>(() =>
            grain.Arm(name, _clock.GetUtcNow().AddMinutes(1), TimeSpan.FromSeconds(periodSeconds)));
        Assert.Contains(expected, refused.Message);
        Assert.Empty(await grain.List());
    }

    [Fact]
    public async Task Unregistering_stops_a_reminder()
    {
        await using var cluster = await Clusters.StartAsync(1, _clock, _ticks);
        var node = cluster.Nodes[0];
        var grain = node.Grains.Get<IReminderGrain>("stop");
        await grain.Arm("gone", _clock.GetUtcNow().AddMinutes(1), TimeSpan.FromMinutes(1));
        await grain.Disarm("gone");

        await AdvanceAsync(cluster, TimeSpan.FromMinutes(5));
        Assert.Equal(0, await node.PollRemindersOnceAsync());
        Assert.Empty(_ticks.Ticks);
    }

    /// <summary>Moves the clock once every poller is parked, so none computes its next wake-up from a time that is gone.</summary>
    private async Task AdvanceAsync(TestCluster cluster, TimeSpan by)
    {
        await cluster.RemindersIdleAsync();
        _clock.Advance(by);
    }

    [Fact]
    public void Options_refuse_a_lease_shorter_than_the_call_timeout()
    {
        var validator = new ReminderOptionsValidator(Microsoft.Extensions.Options.Options.Create(new GrainRuntimeOptions()));
        var result = validator.Validate(null, new ReminderOptions { LeaseDuration = TimeSpan.FromSeconds(10) });
        Assert.True(result.Failed);
        Assert.Contains("LeaseDuration", result.FailureMessage);
    }
}
