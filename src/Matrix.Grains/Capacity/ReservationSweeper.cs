using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>Gives back the slots of scans that never became friends. Every node sweeps; the delete makes it safe.</summary>
internal sealed class ReservationSweeper(CapacityLedger ledger, TimeProvider time, IOptions<MatrixOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReservationSweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A failed sweep is harmless: the next one gives back the same slots.
                try { await ledger.LapseExpiredAsync(); }
                catch (Npgsql.NpgsqlException) { }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
