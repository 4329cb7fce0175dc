using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Matrix.Runtime.Activation;

/// <summary>Deactivates activations that had no call for <see cref="GrainRuntimeOptions.IdleTimeout"/>.</summary>
internal sealed class IdleCollector(GrainCatalog catalog, TimeProvider time, IOptions<GrainRuntimeOptions> options, ILogger<IdleCollector> logger)
    : BackgroundService
{
    // Made with the service, not in ExecuteAsync: since .NET 10 ExecuteAsync starts on a background thread, and a
    // timer created there could miss the clock's first moves. A tick that comes early is kept until the loop waits.
    private readonly PeriodicTimer _timer = new(options.Value.IdleCheckInterval, time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken))
            {
                var count = await catalog.DeactivateIdleAsync(time.GetUtcNow() - options.Value.IdleTimeout, stoppingToken);
                if (count > 0) Log.IdleDeactivated(logger, count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }
}
