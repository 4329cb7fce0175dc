namespace Matrix.Runtime;

/// <summary>
/// Base class for grains. The runtime creates the instance (constructor injection, including
/// <see cref="IPersistentState{TState}"/>), then calls <see cref="OnActivateAsync"/> before the first turn.
/// All calls to one activation run one at a time.
/// </summary>
public abstract class Grain
{
    private GrainContext? _context;

    internal GrainContext Context
    {
        get => _context ?? throw new InvalidOperationException("The grain is not activated by the runtime yet.");
        set => _context = value;
    }

    protected string GrainKey => Context.Id.Key;

    protected GrainId GrainId => Context.Id;

    protected IGrainFactory GrainFactory => Context.Factory;

    /// <summary>One-shot reminder due at <paramref name="dueAt"/>, or periodic when <paramref name="period"/> is given.</summary>
    protected Task RegisterOrUpdateReminderAsync(string name, DateTimeOffset dueAt, TimeSpan? period = null) =>
        Context.Reminders.RegisterOrUpdateAsync(Context.Id, name, dueAt, period);

    /// <summary>Orleans-style: first tick after <paramref name="dueTime"/>, then every <paramref name="period"/>.</summary>
    protected Task RegisterOrUpdateReminderAsync(string name, TimeSpan dueTime, TimeSpan period) =>
        Context.Reminders.RegisterOrUpdateAsync(Context.Id, name, Context.Time.GetUtcNow() + dueTime, period);

    protected Task UnregisterReminderAsync(string name) => Context.Reminders.UnregisterAsync(Context.Id, name);

    protected Task<IReadOnlyList<ReminderEntry>> GetRemindersAsync() => Context.Reminders.ListAsync(Context.Id);

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed record GrainContext(GrainId Id, IGrainFactory Factory, Reminders.ReminderRegistry Reminders, TimeProvider Time);
