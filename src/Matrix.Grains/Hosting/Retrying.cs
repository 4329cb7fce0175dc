using Microsoft.Extensions.Logging;

namespace Matrix.Grains;

/// <summary>
/// The loop of a node's background work (statistics flushes, sweeps): a failure (the database restarting, a lost
/// connection) is logged and tried again after a back-off that doubles up to half a minute, and never ends the loop,
/// so no background service can stop a node.
/// </summary>
public static partial class Retrying
{
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="work"/> every <paramref name="interval"/> until <paramref name="stoppingToken"/> is cancelled.</summary>
    public static async Task EveryAsync(TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> work, ILogger logger, string what, CancellationToken stoppingToken)
    {
        var backOff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(backOff > interval ? backOff : interval, time, stoppingToken);
                await work(stoppingToken);
                backOff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                backOff = backOff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxBackOff.Ticks));
                LogFailed(logger, ex, what, backOff);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} failed; trying again in {BackOff}")]
    private static partial void LogFailed(ILogger logger, Exception ex, string what, TimeSpan backOff);
}
