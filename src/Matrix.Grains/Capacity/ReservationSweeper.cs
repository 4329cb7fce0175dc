using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>
/// Gives back the slots of scans that never became friends, and expires tasks left open too long. Every node
/// sweeps; both statements are idempotent, so that is safe.
/// </summary>
internal sealed class ReservationSweeper(CapacityLedger ledger, Tasks.TaskStore tasks, StoreClock clock, IOptions<MatrixOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReservationSweepInterval, clock.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A failed sweep is harmless: the next one gives back the same slots.
                try
                {
                    await SweepAsync();
                }
                catch (Npgsql.NpgsqlException)
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task SweepAsync()
    {
        await ledger.LapseExpiredAsync();
        await tasks.ExpireAsync(clock.UtcNow - options.Value.TaskExpiry);
    }
}
