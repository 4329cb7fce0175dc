using Matrix.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Testing;

/// <summary>Waits on a node's work from whatever hosts it (a test cluster's node, a web application factory).</summary>
public static class NodeServices
{
    /// <summary>
    /// Completes once the work grains set to run at once on this node (a plan's rollout, a touch with no delay) has
    /// run. With a manual clock, move it only after this.
    /// </summary>
    public static Task RemindersIdleAsync(this IServiceProvider services, TimeSpan? timeout = null) =>
        services.GetRequiredService<ImmediateWork>().WhenIdle().WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
}
