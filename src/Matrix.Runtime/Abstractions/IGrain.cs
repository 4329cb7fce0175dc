namespace Matrix.Runtime;

/// <summary>
/// Marker for grain interfaces. Every method must return <see cref="Task"/> or <see cref="Task{TResult}"/>:
/// a call is queued behind the grain's current turn, so it is always asynchronous.
/// </summary>
public interface IGrain;

/// <summary>Overrides the stable type name a grain interface is stored under (default: "IAccountGrain" → "account").</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Gives out references to grains. A reference is cheap; the grain is activated on its first call.</summary>
public interface IGrainFactory
{
    TGrain Get<TGrain>(string key) where TGrain : IGrain;
}

/// <summary>Implemented by grain classes that register reminders.</summary>
public interface IRemindable
{
    Task ReceiveReminder(string name, TickStatus status);
}

/// <param name="FirstTickTime">When the reminder was first due (the anchor of a periodic schedule).</param>
/// <param name="Period">The period, or null for a one-shot reminder.</param>
/// <param name="CurrentTickTime">When this tick was due. Stable across redeliveries, so a grain can deduplicate on it.</param>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan? Period, DateTimeOffset CurrentTickTime);

/// <summary>A reminder as registered.</summary>
public sealed record ReminderEntry(string Name, DateTimeOffset FirstTickTime, TimeSpan? Period, DateTimeOffset NextDueAt);
