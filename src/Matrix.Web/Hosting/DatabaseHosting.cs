using Matrix.Storage.Embedded;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Matrix.Web.Hosting;

public static class DatabaseHosting
{
    public const string ConnectionName = "Matrix";

    /// <summary>
    /// Uses ConnectionStrings:Matrix when given; otherwise starts the embedded default: a private PostgreSQL from the
    /// machine's binaries in a data folder of its own (Matrix:DataDirectory), stopped when Matrix stops.
    /// </summary>
    public static async Task AddMatrixDatabaseAsync(this WebApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionName))) return;

        var directory = builder.Configuration["Matrix:DataDirectory"] is { Length: > 0 } configured ? configured : DefaultDataDirectory();
        var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = Path.Combine(directory, "postgres") });
        builder.Configuration[$"ConnectionStrings:{ConnectionName}"] = server.ConnectionString;
        // Registered first, so it is stopped last: after the runtime has finished its last writes.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(new EmbeddedPostgresLifetime(server)));
        Console.WriteLine($"Matrix: embedded PostgreSQL on 127.0.0.1:{server.Port}, data in {directory}");
    }

    // Root's home is closed to the 'postgres' user the server runs as, so root keeps its data under /var/lib.
    private static string DefaultDataDirectory() =>
        Environment.UserName == "root"
            ? "/var/lib/matrix"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "matrix");

    private sealed class EmbeddedPostgresLifetime(EmbeddedPostgres server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => server.DisposeAsync().AsTask();
    }
}

/// <summary>Healthy when the database answers a query.</summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var cmd = db.CreateCommand("select count(*) from schema_migrations");
            var applied = (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
            return HealthCheckResult.Healthy($"database answers; {applied} migrations applied");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("database does not answer", ex);
        }
    }
}
