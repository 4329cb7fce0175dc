using System.Diagnostics;
using Matrix.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Bench;

public interface IBenchReminderGrain : IGrainWithStringKey
{
    Task Arm(TimeSpan dueTime);
}

public sealed class BenchReminderGrain(BenchReminderSignal signal) : Grain, IBenchReminderGrain, IRemindable
{
    async Task IBenchReminderGrain.Arm(TimeSpan dueTime) => await this.RegisterOrUpdateReminder("plan:bench", dueTime, TimeSpan.FromMinutes(1));

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        if (await this.GetReminder(name) is { } reminder) await this.UnregisterReminder(reminder);
        signal.Fired.TrySetResult();
    }
}

public sealed class BenchReminderSignal
{
    public TaskCompletionSource Fired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Memory of one silo when a million customers each have a follow-up reminder, spread over the next six months (a
/// chain's customers between their touches). Orleans keeps in memory only the reminders due within its loading
/// window (ReminderOptions.ReminderLoadingWindow, 10 minutes); the rest stay in the table until they come near.
/// The rows are written straight into Orleans's reminder table with the hash Orleans gives each grain (checked
/// against rows Orleans wrote itself); one reminder due a few seconds ahead tells when the silo has loaded and fires.
/// Measured: the process's resident memory and managed heap after that, against a silo with no reminders.
/// </summary>
internal static class ReminderBench
{
    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        await using (var admin = DatabaseConnections.Create(connectionString))
        await using (var create = admin.CreateCommand("create database matrix_reminders"))
            await create.ExecuteNonQueryAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString) { Database = "matrix_reminders" }.ConnectionString;
        await using var db = DatabaseConnections.Create(database);

        // An empty silo first: its memory is the baseline. It also registers a few reminders, so the hash used
        // below can be checked against Orleans's own.
        var (emptyRss, emptyHeap) = await SiloMemoryAsync(database, async grains =>
        {
            for (var i = 0; i < 5; i++) await grains.GetGrain<IBenchReminderGrain>($"check{i}").Arm(TimeSpan.FromDays(30));
        });
        await using (var check = db.CreateCommand("select grainid, grainhash from orleansreminderstable"))
        await using (var r = await check.ExecuteReaderAsync())
            while (await r.ReadAsync())
                if (HashOf(GrainId.Parse(r.GetString(0))) != r.GetInt32(1))
                    throw new InvalidOperationException($"the bench's grain hash differs from Orleans's for {r.GetString(0)}");

        var count = settings.Reminders;
        var start = DateTime.UtcNow.AddMinutes(30);
        var writer = await db.OpenConnectionAsync();
        await using (writer)
        await using (var copy = await writer.BeginBinaryImportAsync("copy orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version) from stdin (format binary)"))
        {
            for (var i = 0; i < count; i++)
            {
                var grain = GrainId.Create("benchreminder", $"c{i}");
                await copy.StartRowAsync();
                await copy.WriteAsync("matrix");
                await copy.WriteAsync(grain.ToString());
                await copy.WriteAsync("plan:bench");
                await copy.WriteAsync(start.AddSeconds(i * (180.0 * 86400 / count)), NpgsqlTypes.NpgsqlDbType.TimestampTz);
                await copy.WriteAsync((long)TimeSpan.FromMinutes(1).TotalMilliseconds);
                await copy.WriteAsync(HashOf(grain));
                await copy.WriteAsync(0);
            }
            await copy.CompleteAsync();
        }

        var (rss, heap) = await SiloMemoryAsync(database, _ => Task.CompletedTask);
        report.Add($"memory of one silo holding {count:N0} customers' reminders (due over 6 months)", $"{rss / 1048576:N0} MiB resident, {heap / 1048576:N0} MiB managed heap",
            $"{emptyRss / 1048576:N0} MiB / {emptyHeap / 1048576:N0} MiB with none", "");
    }

    private static int HashOf(GrainId grain) => unchecked((int)grain.GetUniformHashCode());

    /// <summary>Starts a silo, arms one reminder due in 5 s, and measures the process once it has fired (the reminder service has loaded).</summary>
    private static async Task<(long Rss, long Heap)> SiloMemoryAsync(string database, Func<IGrainFactory, Task> before)
    {
        using var host = await Nodes.StartAsync(database, s => s.AddSingleton<BenchReminderSignal>());
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await before(grains);
        await grains.GetGrain<IBenchReminderGrain>("sentinel").Arm(TimeSpan.FromSeconds(5));
        await host.Services.GetRequiredService<BenchReminderSignal>().Fired.Task.WaitAsync(TimeSpan.FromMinutes(10));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(true);
        var rss = Process.GetCurrentProcess().WorkingSet64;
        await host.StopAsync();
        return (rss, heap);
    }
}
