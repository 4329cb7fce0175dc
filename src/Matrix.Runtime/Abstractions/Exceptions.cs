namespace Matrix.Runtime;

/// <summary>
/// The stored state changed since this activation read it (another node, or another activation, wrote first).
/// Nothing was written. The runtime drops the activation, so the next call re-reads and can succeed.
/// </summary>
public sealed class GrainStateConflictException(string grainType, string key, long expectedVersion)
    : Exception($"State of grain {grainType}/{key} changed since version {expectedVersion} was read; nothing was written. Retry the call.")
{
    public string GrainType { get; } = grainType;
    public string Key { get; } = key;
    public long ExpectedVersion { get; } = expectedVersion;
}

/// <summary>A grain call did not finish within the call timeout. The grain's turn keeps running; the caller stops waiting.</summary>
public sealed class GrainCallTimeoutException(GrainId grain, string method, TimeSpan timeout)
    : TimeoutException($"Call {method} on grain {grain} did not complete within {timeout} (GrainRuntimeOptions.CallTimeout).");

/// <summary>A reminder registration was refused; the message names what is wrong.</summary>
public sealed class ReminderRegistrationException(string paramName, string message) : ArgumentException(message, paramName);
