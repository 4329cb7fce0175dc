using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>
/// Gives back the slots of scans that never became friends (and forgets the referral scans among them), expires tasks left open too long and moves old closed
/// tasks to the archive. Every node sweeps; every statement is idempotent (an archived row is gone from the hot
/// table in the same statement that copies it), so that is safe.
/// </summary>
internal sealed class ReservationSweeper(CapacityLedger ledger, Tasks.TaskStore tasks, Referrals.ReferralStore referrals, StoreClock clock, IOptions<MatrixOptions> options,
    Microsoft.Extensions.Logging.ILogger<ReservationSweeper> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Retrying.EveryAsync(options.Value.ReservationSweepInterval, clock.Time, _ => SweepAsync(), logger, "Sweeping lapsed holds and expired tasks", stoppingToken);

    internal async Task SweepAsync()
    {
        await ledger.LapseExpiredAsync();
        // A referral's scan matters while its hold can be confirmed; a day later, to be sure, it is forgotten.
        await referrals.ForgetScansAsync(clock.UtcNow - options.Value.ReservationHold - TimeSpan.FromDays(1));
        await tasks.ExpireAsync(clock.UtcNow - options.Value.TaskExpiry);
        await tasks.ArchiveAsync(clock.UtcNow - options.Value.TasksHotFor);
    }
}
