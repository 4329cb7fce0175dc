using Microsoft.Extensions.Logging;

namespace Matrix.Runtime;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Grain runtime node {NodeId} started")]
    public static partial void NodeStarted(ILogger logger, string nodeId);

    [LoggerMessage(2, LogLevel.Debug, "Deactivated {Count} idle activations")]
    public static partial void IdleDeactivated(ILogger logger, int count);

    [LoggerMessage(3, LogLevel.Warning, "Grain {Grain} failed in OnDeactivateAsync")]
    public static partial void DeactivateFailed(ILogger logger, Exception exception, GrainId grain);

    [LoggerMessage(10, LogLevel.Warning, "Reminder {Name} of {Grain} failed (attempt {Attempt})")]
    public static partial void ReminderDeliveryFailed(ILogger logger, Exception exception, GrainId grain, string name, int attempt);

    [LoggerMessage(11, LogLevel.Error, "Reminder {Name} of {Grain} dropped after {Attempts} failed deliveries")]
    public static partial void ReminderDropped(ILogger logger, GrainId grain, string name, int attempts);

    [LoggerMessage(12, LogLevel.Error, "Reminder poller failed; retrying")]
    public static partial void ReminderPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(20, LogLevel.Warning, "Notification listener lost its connection; reconnecting and dropping cached activations")]
    public static partial void ListenerReconnecting(ILogger logger, Exception exception);

    [LoggerMessage(30, LogLevel.Information, "Applied migration {Id}")]
    public static partial void MigrationApplied(ILogger logger, string id);
}
