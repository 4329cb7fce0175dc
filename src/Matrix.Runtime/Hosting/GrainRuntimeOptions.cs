using Microsoft.Extensions.Options;

namespace Matrix.Runtime;

/// <summary>Settings of the grain runtime on one node. Defaults follow Orleans where Orleans has the same knob.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>Identifies this node in leases and notifications. Default: host name, process id and a random suffix.</summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>An activation with no call for this long is deactivated. Default 15 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default 1 minute.</summary>
    public TimeSpan IdleCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A call not finished within this time fails with <see cref="GrainCallTimeoutException"/>. Default 30 seconds.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Announce state writes to other nodes (batched NOTIFYs, sent just after the write commits) so they drop
    /// their stale copy. Default true.
    /// Turning it off is only safe with a single node (the version check still prevents lost updates,
    /// but other nodes would answer reads from old state until their next write conflicts).
    /// </summary>
    public bool PublishStateChanges { get; set; } = true;
}

/// <summary>Settings of the durable reminder service.</summary>
public sealed class ReminderOptions
{
    /// <summary>Shortest period a periodic reminder may have. Default 1 minute (as Orleans).</summary>
    public TimeSpan MinimumPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Longest the poller sleeps without looking at the table. Reminders due sooner than this after their
    /// registration wake the pollers through NOTIFY instead. Default 10 seconds.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a claimed reminder belongs to the claiming node. If the node dies, another node claims the reminder after this. Default 2 minutes (must exceed the call timeout).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Reminders claimed in one statement. Default 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Claim-and-deliver loops one node runs at once while reminders are due. Default 3 (see docs/benchmarks.md).</summary>
    public int ConcurrentBatches { get; set; } = 3;

    /// <summary>Deliveries running at once in one batch. Default 64.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 64;

    /// <summary>A one-shot reminder whose delivery failed is tried again after this. Default 30 seconds.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A one-shot reminder is dropped (and logged) after this many failed deliveries. Default 5.</summary>
    public int MaxDeliveryAttempts { get; set; } = 5;
}

internal sealed class GrainRuntimeOptionsValidator : IValidateOptions<GrainRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainRuntimeOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.NodeId)) errors.Add("NodeId must not be empty.");
        if (o.IdleTimeout <= TimeSpan.Zero) errors.Add("IdleTimeout must be positive.");
        if (o.IdleCheckInterval <= TimeSpan.Zero) errors.Add("IdleCheckInterval must be positive.");
        if (o.CallTimeout <= TimeSpan.Zero) errors.Add("CallTimeout must be positive.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class ReminderOptionsValidator(IOptions<GrainRuntimeOptions> runtime) : IValidateOptions<ReminderOptions>
{
    public ValidateOptionsResult Validate(string? name, ReminderOptions o)
    {
        var errors = new List<string>();
        if (o.MinimumPeriod <= TimeSpan.Zero) errors.Add("MinimumPeriod must be positive.");
        if (o.PollInterval <= TimeSpan.Zero) errors.Add("PollInterval must be positive.");
        if (o.LeaseDuration <= runtime.Value.CallTimeout)
            errors.Add($"LeaseDuration ({o.LeaseDuration}) must exceed CallTimeout ({runtime.Value.CallTimeout}), or a slow delivery would be claimed twice.");
        if (o.BatchSize is < 1 or > 10_000) errors.Add("BatchSize must be between 1 and 10000.");
        if (o.MaxConcurrentDeliveries < 1) errors.Add("MaxConcurrentDeliveries must be at least 1.");
        if (o.ConcurrentBatches is < 1 or > 64) errors.Add("ConcurrentBatches must be between 1 and 64.");
        if (o.RetryDelay <= TimeSpan.Zero) errors.Add("RetryDelay must be positive.");
        if (o.MaxDeliveryAttempts < 1) errors.Add("MaxDeliveryAttempts must be at least 1.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
