using Matrix.Runtime.Tests.Grains;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Matrix.Runtime.Tests;

/// <summary>Builds clusters with the test grains; the probes are shared by every node, as the database is.</summary>
internal static class Clusters
{
    public static Task<TestCluster> StartAsync(int nodes, TimeProvider? time = null, TickLog? ticks = null, TurnProbe? turns = null,
        Action<GrainRuntimeOptions>? runtime = null, Action<ReminderOptions>? reminders = null, string? connectionString = null) =>
        TestCluster.StartAsync(nodes, services =>
        {
            services.AddSingleton(ticks ?? new TickLog());
            services.AddSingleton(turns ?? new TurnProbe());
            services.AddSingleton(sp => new NodeName(sp.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value.NodeId));
            services.AddGrain<ICounterGrain, CounterGrain>();
            services.AddGrain<ITurnGrain, TurnGrain>();
            services.AddGrain<IReminderGrain, ReminderGrain>();
        }, time, runtime, reminders, connectionString);
}
