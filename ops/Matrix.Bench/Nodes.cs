using Matrix.Grains;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Matrix.Bench;

/// <summary>A Matrix node as the web host runs it (storage, then a silo on PostgreSQL with the matrix's grains), without the web.</summary>
internal static class Nodes
{
    public static async Task<IHost> StartAsync(string connectionString, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Logs go to stderr: stdout is the report that becomes docs/benchmarks.md.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddMatrixStorage(connectionString);
        builder.UseOrleans(silo =>
        {
            silo.UseMatrixPostgres(new SiloSettings { ClusterId = "bench" });
            silo.Services.AddMatrixGrains();
            configure?.Invoke(silo.Services);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
