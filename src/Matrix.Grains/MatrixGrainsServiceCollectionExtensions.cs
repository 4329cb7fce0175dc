using Matrix.Grains.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Grains.Customers;
using Matrix.Grains.Personas;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Matrix.Grains;

public static class MatrixGrainsServiceCollectionExtensions
{
    /// <summary>The matrix's grains, their tables and the services pages and endpoints use to reach them.</summary>
    /// <param name="clock">The business clock (<see cref="MatrixTime"/>); the system clock unless a test gives one.
    /// Call after the silo's reminder service is added, so this registration of the reminders' clock is the one used.</param>
    public static IServiceCollection AddMatrixGrains(this IServiceCollection services, Action<MatrixOptions>? configure = null, TimeProvider? clock = null)
    {
        services.AddKeyedSingleton(MatrixTime.Key, clock ?? TimeProvider.System);
        services.AddMatrixSerialization();
        services.AddSingleton<DirectoryWriter>();
        services.AddSingleton<ImmediateWork>();
        services.AddSingleton(new TickGate());
        services.AddOptions<MatrixOptions>().Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MatrixOptions>, MatrixOptionsValidator>();
        services.AddMigrations(typeof(MatrixGrainsServiceCollectionExtensions).Assembly, order: 100);


        services.AddSingleton(sp => new StoreClock(sp.GetRequiredKeyedService<TimeProvider>(MatrixTime.Key),
            TimeZoneInfo.FindSystemTimeZoneById(sp.GetRequiredService<IOptions<MatrixOptions>>().Value.TimeZone)));
        services.AddSingleton<Changes.ChangeFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<Changes.ChangeFeed>());
        services.AddSingleton<CapacityLedger>();
        services.AddSingleton<MatrixDirectory>();
        services.AddSingleton<Reports.MatrixReports>();
        services.AddSingleton<Reports.CustomerSearch>();
        services.AddSingleton<Demo.DemoMatrix>();
        services.AddSingleton<PoolSnapshots>();
        services.AddSingleton<RecordViews>();
        services.AddSingleton<HoldBatcher>();
        services.AddSingleton<LiveCodeService>();
        services.AddSingleton<FriendEventService>();
        services.AddSingleton<Tasks.TaskStore>();
        services.AddSingleton<Tasks.TaskService>();
        services.AddSingleton<RehomeService>();
        services.AddSingleton<PurchaseService>();
        services.AddSingleton<CustomerReader>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<CustomerProfileService>();
        services.AddSingleton<FollowUps.FollowUpService>();
        services.AddSingleton<FollowUps.StoredRuns>();
        services.AddSingleton<Reports.CustomerExport>();
        services.AddSingleton<Imports.ImportStore>();
        services.AddSingleton<Imports.ImportChecker>();
        services.AddSingleton<Imports.ImportCommitter>();
        services.AddOptions<Domain.Customers.CustomerSettings>();
        services.AddSingleton<ChannelStats>();
        services.AddHostedService(sp => sp.GetRequiredService<ChannelStats>());
        services.AddHostedService<ReservationSweeper>();
        services.AddSingleton<Reports.RelationshipSnapshots>();
        services.AddSingleton<Reports.RelationshipReports>();
        services.AddSingleton<Reports.ActivityReports>();
        services.AddSingleton<Reports.OutcomeDays>();
        services.AddSingleton<Segments.SegmentStore>();
        services.AddSingleton<Segments.LiveFacts>();
        services.AddHostedService(sp => sp.GetRequiredService<Segments.LiveFacts>());
        services.AddSingleton<Campaigns.CampaignStore>();
        services.AddSingleton<Campaigns.CampaignSender>();
        services.AddSingleton<Campaigns.CampaignResults>();
        services.AddSingleton<Referrals.ReferralStore>();
        services.AddSingleton<Referrals.ReferralLedger>();
        services.AddSingleton<Groups.GroupCodeStore>();
        services.AddSingleton<Groups.GroupCodeService>();
        services.AddSingleton<Groups.JoinWayStore>();
        services.AddSingleton<Segments.CustomerFacts>();
        services.AddHostedService<Segments.SegmentSchedule>();
        services.AddHostedService<Reports.SnapshotSchedule>();
        return services;
    }
}
