using Matrix.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>One Matrix node in memory, on a database of the test's private PostgreSQL.</summary>
public sealed class MatrixApp(string connectionString, string nodeId = "web-node", TimeProvider? time = null) : WebApplicationFactory<Program>
{
    public string ConnectionString { get; } = connectionString;

    public static async Task<MatrixApp> StartAsync(TimeProvider? time = null)
    {
        var app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("web"), time: time);
        app.Server.PreserveExecutionContext = true;
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Matrix", ConnectionString);
        builder.UseSetting("Matrix:Runtime:NodeId", nodeId);
        builder.UseEnvironment("Testing");
        if (time is not null) builder.ConfigureServices(s => s.AddSingleton(time));
    }
}
