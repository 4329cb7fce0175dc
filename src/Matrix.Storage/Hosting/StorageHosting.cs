using Matrix.Storage.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Matrix.Storage.Hosting;

public static class StorageHosting
{
    /// <summary>The grain storage every Matrix grain names in <c>[PersistentState(..., StorageHosting.GrainStore)]</c>.</summary>
    /// <remarks>
    /// Orleans's ADO.NET storage keys a row by the state's name and the grain's key, not by the grain's type: two
    /// grain classes with the same key (a plan and its rollout) must name their state differently, or they share a
    /// row. Each Matrix grain names its state after its kind ("plan", "rollout", "customer", ...).
    /// </remarks>
    public const string GrainStore = "matrix";

    /// <summary>
    /// The node's connection pool on <paramref name="connectionString"/> and the schema migrator. Call it before
    /// <c>UseOrleans</c>: hosted services start in order, and the silo's providers need Orleans's tables.
    /// </summary>
    public static IServiceCollection AddMatrixStorage(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => DatabaseConnections.Create(connectionString));
        services.AddMigrations(typeof(StorageHosting).Assembly, order: 0);
        services.AddHostedService<SchemaMigrator>();
        return services;
    }

    /// <summary>Adds the embedded Migrations/*.sql of <paramref name="assembly"/> to the schema; lower orders apply first.</summary>
    public static IServiceCollection AddMigrations(this IServiceCollection services, System.Reflection.Assembly assembly, int order)
    {
        services.AddSingleton(new MigrationSource(assembly, order));
        return services;
    }

    /// <summary>
    /// Membership, grain state and reminders in the node's PostgreSQL through Orleans's ADO.NET providers, on the
    /// node's own connection pool; endpoints and failure detection from <see cref="SiloSettings"/>.
    /// </summary>
    public static ISiloBuilder UseMatrixPostgres(this ISiloBuilder silo, SiloSettings settings)
    {
        silo.Services.AddSingleton<IValidateOptions<SiloSettings>, SiloSettingsValidator>();
        silo.Services.AddOptions<SiloSettings>().Configure(o => Copy(settings, o)).ValidateOnStart();
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, settings.ServiceId));
        silo.ConfigureEndpoints(settings.ResolveAddress(), SiloSettings.PortOrFree(settings.SiloPort), SiloSettings.PortOrFree(settings.GatewayPort),
            listenOnAnyHostAddress: settings.AdvertisedAddress is not null || settings.AdvertisedHost is not null);
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = settings.CallTimeout);
        // An activation waiting its turn at the storage gate in a burst is not given up on either (Orleans: 30 s).
        silo.Configure<GrainCollectionOptions>(o => o.ActivationTimeout = settings.CallTimeout);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.ProbeTimeout;
            o.NumMissedProbesLimit = settings.MissedProbesLimit;
            // Read the table often enough that nodes learn of a death declared by others within the 10 s goal.
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        });

        silo.UseAdoNetClustering(o => o.Invariant = "Npgsql");
        silo.Services.AddOptions<AdoNetClusteringSiloOptions>().Configure<NpgsqlDataSource>((o, db) => o.DataSource = db);
        silo.AddAdoNetGrainStorage(GrainStore, o => (o.Invariant, o.GrainStorageSerializer) = ("Npgsql", new StateSerializer()));
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(GrainStore).Configure<NpgsqlDataSource>((o, db) => o.DataSource = db);
        silo.UseAdoNetReminderService(o => o.Invariant = "Npgsql");
        silo.Services.AddOptions<AdoNetReminderTableOptions>().Configure<NpgsqlDataSource>((o, db) => o.DataSource = db);
        silo.Services.AddSingleton<DistantReminders>();
        DatabaseGate.Install(silo.Services, GrainStore, settings.StorageConcurrency);
        return silo;
    }

    private static void Copy(SiloSettings from, SiloSettings to)
    {
        (to.ClusterId, to.ServiceId, to.SiloPort, to.GatewayPort) = (from.ClusterId, from.ServiceId, from.SiloPort, from.GatewayPort);
        (to.AdvertisedAddress, to.AdvertisedHost, to.ProbeTimeout, to.MissedProbesLimit) = (from.AdvertisedAddress, from.AdvertisedHost, from.ProbeTimeout, from.MissedProbesLimit);
        (to.StorageConcurrency, to.CallTimeout) = (from.StorageConcurrency, from.CallTimeout);
    }
}
