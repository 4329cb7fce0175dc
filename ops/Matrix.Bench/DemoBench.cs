using Matrix.Storage;
using Matrix.Grains;
using Matrix.Grains.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Matrix.Bench;

/// <summary>
/// The console's demo generator at a chosen size, on a database of its own: personas, accounts, channels, every
/// customer's add and purchases, plans (the state plan starts for every customer) and two weeks of Moments, all
/// through the services the API uses, one caller. Measured: customers per second, and the whole load's time.
/// </summary>
internal static class DemoBench
{
    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        await using (var admin = DatabaseConnections.Create(connectionString))
        await using (var create = admin.CreateCommand("create database matrix_demo"))
            await create.ExecuteNonQueryAsync();
        var demoDb = new NpgsqlConnectionStringBuilder(connectionString) { Database = "matrix_demo" }.ConnectionString;

        using var node = await Nodes.StartAsync(demoDb);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var summary = await node.Services.GetRequiredService<DemoMatrix>().LoadAsync(settings.DemoCustomers, "bench");
        var seconds = watch.Elapsed.TotalSeconds;
        await node.StopAsync();
        report.Add($"demo matrix loaded ({summary.Customers:N0} customers, {summary.Purchases:N0} purchases, {summary.Posts} posts; one caller)",
            $"{summary.Customers / seconds:N0} customers / s ({seconds:N0} s in all)", "", "");
    }
}
