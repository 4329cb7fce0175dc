using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Matrix.Runtime.Activation;

/// <summary>Deactivates activations that had no call for <see cref="GrainRuntimeOptions.IdleTimeout"/>.</summary>
internal sealed class IdleCollector(GrainCatalog catalog, TimeProvider time, IOptions<GrainRuntimeOptions> options, ILogger<IdleCollector> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(o.IdleCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var count = await catalog.DeactivateIdleAsync(time.GetUtcNow() - o.IdleTimeout, stoppingToken);
                if (count > 0) Log.IdleDeactivated(logger, count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
