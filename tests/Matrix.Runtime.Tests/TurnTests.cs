using Matrix.Runtime.Tests.Grains;
using Matrix.Testing;

namespace Matrix.Runtime.Tests;

public sealed class TurnTests
{
    [Fact]
    public async Task Calls_to_one_grain_run_one_at_a_time()
    {
        await using var cluster = await Clusters.StartAsync(1);
        var grain = cluster.Nodes[0].Grains.Get<ITurnGrain>("serial");
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => grain.UnsafeIncrement()));
        Assert.Equal(200, await grain.Ping()); // an interleaving would have lost increments
    }

    [Fact]
    public async Task A_call_past_the_timeout_fails_clearly_and_the_grain_stays_locked_until_its_turn_ends()
    {
        var clock = new ManualTimeProvider();
        var probe = new TurnProbe();
        await using var cluster = await Clusters.StartAsync(1, clock, turns: probe);
        var grain = cluster.Nodes[0].Grains.Get<ITurnGrain>("slow");
        await grain.Ping();

        var stuck = grain.WaitForRelease();
        var queued = grain.Ping();
        clock.Advance(TimeSpan.FromSeconds(30));
        var timeout = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => stuck);
        Assert.Contains("WaitForRelease", timeout.Message);
        Assert.False(queued.IsCompleted); // non-reentrant: the turn is still running

        probe.Release.SetResult();
        Assert.Equal(0, await queued);
    }

    [Fact]
    public async Task An_idle_activation_is_deactivated_and_comes_back_on_the_next_call()
    {
        var clock = new ManualTimeProvider();
        var probe = new TurnProbe();
        await using var cluster = await Clusters.StartAsync(1, clock, turns: probe,
            runtime: o => (o.IdleTimeout, o.IdleCheckInterval) = (TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(1)));
        var node = cluster.Nodes[0];
        await node.Grains.Get<ITurnGrain>("idle").UnsafeIncrement();
        Assert.Equal(1, node.ActivationCount);

        for (var minute = 0; minute < 17 && !probe.Deactivated.Task.IsCompleted; minute++) clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("idle", await probe.Deactivated.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, node.ActivationCount);

        Assert.Equal(0, await node.Grains.Get<ITurnGrain>("idle").Ping()); // a fresh activation: in-memory fields start over
        Assert.Equal(2, probe.Activations);
    }

    [Fact]
    public async Task An_interface_method_that_is_not_async_is_refused_at_registration()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Activation.GrainRegistration(typeof(ISyncGrain), typeof(SyncGrain)));
        Assert.Contains("must return Task", error.Message);
        await Task.CompletedTask;
    }

    public interface ISyncGrain : IGrain
    {
        int Now();
    }

    private sealed class SyncGrain : ISyncGrain
    {
        public int Now() => 1;
    }
}
