using Matrix.Runtime.Activation;
using Matrix.Runtime.Migrations;
using Matrix.Runtime.Notifications;
using Matrix.Runtime.Reminders;
using Matrix.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Runtime;

public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds a grain runtime node on the PostgreSQL database at <paramref name="connectionString"/>.
    /// Start-up order: schema migrations, the notification listener, then the reminder poller and idle collector.
    /// </summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, string connectionString,
        Action<GrainRuntimeOptions>? configure = null, Action<ReminderOptions>? configureReminders = null)
    {
        services.AddOptions<GrainRuntimeOptions>().Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddOptions<ReminderOptions>().Configure(o => configureReminders?.Invoke(o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GrainRuntimeOptions>, GrainRuntimeOptionsValidator>();
        services.AddSingleton<IValidateOptions<ReminderOptions>, ReminderOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(_ => DatabaseConnections.Create(connectionString));
        services.AddMigrations(typeof(GrainRuntimeServiceCollectionExtensions).Assembly, order: 0);

        services.AddSingleton<GrainTypeRegistry>();
        services.AddSingleton<GrainStateStore>();
        services.AddSingleton<GrainStateChanges>();
        services.AddSingleton<ReminderTable>();
        services.AddSingleton<ReminderWakeSignal>();
        services.AddSingleton<ReminderRegistry>();
        services.AddSingleton<GrainCatalog>();
        services.AddSingleton<IGrainFactory, GrainFactory>();
        services.AddSingleton<NotificationListener>();
        services.AddSingleton<StatePublisher>();
        services.AddSingleton<ReminderService>();

        // Hosted services start in this order; the migrator must finish before anything touches the tables.
        services.AddHostedService<SchemaMigrator>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationListener>());
        services.AddHostedService(sp => sp.GetRequiredService<StatePublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<ReminderService>());
        services.AddHostedService<IdleCollector>();
        return services;
    }

    /// <summary>Registers a grain implementation for its interface.</summary>
    public static IServiceCollection AddGrain<TInterface, TGrain>(this IServiceCollection services)
        where TInterface : IGrain where TGrain : class, TInterface
    {
        services.AddSingleton(new GrainRegistration(typeof(TInterface), typeof(TGrain)));
        return services;
    }

    /// <summary>Adds the embedded Migrations/*.sql of <paramref name="assembly"/> to the schema; lower orders apply first.</summary>
    public static IServiceCollection AddMigrations(this IServiceCollection services, System.Reflection.Assembly assembly, int order)
    {
        services.AddSingleton(new MigrationSource(assembly, order));
        return services;
    }
}
