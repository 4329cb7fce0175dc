using System.Collections.Concurrent;
using System.Net.Http.Json;
using Matrix.Domain.Access;
using Matrix.Testing;
using Matrix.Web.Access;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Matrix.Web.Tests;

/// <summary>One Matrix node in memory, on a database of the test's private PostgreSQL.</summary>
public sealed class MatrixApp(string connectionString, string nodeId = "web-node", TimeProvider? time = null) : WebApplicationFactory<Program>
{
    public string ConnectionString { get; } = connectionString;

    public string NodeId { get; } = nodeId;

    /// <summary>Rate limits for this node (Matrix:RateLimits); high by default for tests.</summary>
    public Dictionary<string, string> RateLimits { get; init; } = new()
    {
        ["Matrix:RateLimits:LiveCodePerAddress"] = "100000",
        ["Matrix:RateLimits:LiveCodePerChannel"] = "100000",
        ["Matrix:RateLimits:SignInPerAddress"] = "100000",
        ["Matrix:RateLimits:SignInPerUser"] = "100000",
    };

    /// <summary>What the node logged at warning level and above.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public static MatrixApp OnDatabase(string connectionString) => new(connectionString);

    public static async Task<MatrixApp> StartAsync(TimeProvider? time = null)
    {
        var app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("web"), time: time);
        app.Server.PreserveExecutionContext = true;
        return app;
    }

    /// <summary>Serves the app on a real Kestrel port on loopback (for a real browser) and returns its address.</summary>
    public string StartKestrel()
    {
        UseKestrel(0);
        StartServer();
        return Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
    }

    public const string Password = "correct horse battery staple";

    /// <summary>A client signed in (by the sign-in API, with a cookie) as an operator made for the test if missing.</summary>
    public async Task<HttpClient> SignedInAsync(string userName = "root", OperatorRole role = OperatorRole.Admin, string? team = null)
    {
        var operators = Services.GetRequiredService<OperatorStore>();
        if (!(await operators.ListAsync()).Any(o => o.UserName == userName))
            await operators.CreateAsync(new NewOperator(userName, role, Password, team), "test");
        var client = CreateClient();
        var signIn = await client.PostAsJsonAsync("/api/auth/sign-in", new { userName, password = Password });
        Assert.True(signIn.IsSuccessStatusCode, await signIn.Content.ReadAsStringAsync());
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Matrix", ConnectionString);
        builder.UseEnvironment("Testing");
        // Tests sign in and scan far more often than people do, all from one address; RateLimitTests sets its own.
        foreach (var (key, value) in RateLimits) builder.UseSetting(key, value);
        if (time is not null) builder.ConfigureServices(s => s.AddKeyedSingleton(MatrixTime.Key, time));
        builder.ConfigureLogging(l => l.AddProvider(new QueueLoggerProvider(Logs)));
    }
}

/// <summary>Keeps warnings and errors in memory, for tests that check what a node printed.</summary>
internal sealed class QueueLoggerProvider(ConcurrentQueue<string> logs) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new QueueLogger(logs);

    public void Dispose() { }

    private sealed class QueueLogger(ConcurrentQueue<string> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) logs.Enqueue(formatter(state, exception));
        }
    }
}
