using Matrix.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Matrix.Bench;

internal static class Nodes
{
    public static async Task<IHost> StartAsync(string connectionString, Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Logs go to stderr: stdout is the report that becomes docs/benchmarks.md.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddGrainRuntime(connectionString, o => o.NodeId = "bench");
        configure(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
