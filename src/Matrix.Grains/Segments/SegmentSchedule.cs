using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Matrix.Grains.Segments;

/// <summary>
/// On every node: drains customers whose facts are due (a second apart while there are none), counts segments that
/// were edited, and once a night marks every customer's facts due and counts every segment again, as the clock moves
/// judgements (dormant after 90 days) and windows ("bought within 180 days") on.
/// </summary>
internal sealed class SegmentSchedule(CustomerFacts facts, SegmentStore segments, StoreClock clock, ILogger<SegmentSchedule> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        Retrying.EveryAsync(TimeSpan.FromSeconds(1), TimeProvider.System, async ct => { while (await facts.RefreshAsync(ct) > 0) { } }, logger, "Refreshing customer facts", stoppingToken),
        Retrying.EveryAsync(TimeSpan.FromSeconds(1), TimeProvider.System, RecountAsync, logger, "Counting segments", stoppingToken));

    private async Task RecountAsync(CancellationToken cancellationToken)
    {
        var night = clock.StartOf(clock.Today);
        var due = await segments.DueAsync(night);
        if (due.Any(d => !d.Edited)) await facts.MarkAllDueAsync(cancellationToken);
        foreach (var (id, version, edited) in due)
            await segments.RecountAsync(id, version, edited ? "recount" : "time", cancellationToken);
    }
}
