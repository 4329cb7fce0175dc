using Matrix.Runtime.Reminders;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Testing;

/// <summary>Waits on a node's runtime from whatever hosts it (a test cluster's node, a web application factory).</summary>
public static class NodeServices
{
    /// <summary>
    /// Completes once the node's reminder poller is parked with nothing due: what a grain scheduled to run at once
    /// (a plan's rollout, say) has run. With a manual clock, move the clock only after this.
    /// </summary>
    public static Task RemindersIdleAsync(this IServiceProvider services, TimeSpan? timeout = null) =>
        services.GetRequiredService<ReminderWakeSignal>().WhenIdle().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
}
