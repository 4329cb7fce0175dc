using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Matrix.Storage.Hosting;

namespace Matrix.Grains;

/// <summary>
/// Base of Matrix's grains: the string key, one-shot reminders on Orleans's periodic ones, and the rule that a
/// failed state write leaves no activation ahead of the database.
/// </summary>
public abstract class MatrixGrain : Grain
{
    protected string GrainKey => this.GetPrimaryKeyString();

    /// <summary>
    /// Wakes the grain at <paramref name="dueAt"/> (at once when it has passed). Orleans has no one-shot reminders:
    /// this registers one whose period is Orleans's minimum (a minute) and the grain unregisters or moves it when it
    /// fires. The period is also the retry: a tick whose delivery failed, or whose silo died, comes again a minute
    /// later (or on the node that takes the grain over), and the grain recognises a tick it already handled.
    /// A wake-up hours or months ahead is written with others' in one statement (<see cref="DistantReminders"/>); a
    /// grain must therefore take a tick that comes before its time as early and arm again.
    /// </summary>
    /// <remarks>
    /// Work due now (a rollout's next chunk, a touch with no delay) is not left to the reminder: a grain timer runs it
    /// at once, in its own turn, and the reminder, set a period later, only stands in if that run failed or the node
    /// died. Grain timers run on the real clock, so work due now runs even while a test holds the business clock.
    /// </remarks>
    protected async Task WakeAtAsync(string name, DateTimeOffset dueAt)
    {
        var time = ServiceProvider.GetRequiredKeyedService<TimeProvider>(MatrixTime.Key);
        var dueTime = dueAt - time.GetUtcNow();
        if (dueTime > DistantReminders.Beyond)
        {
            await ServiceProvider.GetRequiredService<DistantReminders>().UpsertAsync(this.GetGrainId(), name, dueAt, ReminderPeriod);
            return;
        }
        if (dueTime > TimeSpan.Zero)
        {
            await this.RegisterOrUpdateReminder(name, dueTime, ReminderPeriod);
            return;
        }
        await this.RegisterOrUpdateReminder(name, ReminderPeriod, ReminderPeriod);
        RunSoon(() => ((IRemindable)this).ReceiveReminder(name, default));
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a turn of its own as soon as this one ends (a grain timer, counted by
    /// <see cref="ImmediateWork"/>). What it does must be safe to lose: a reminder stands behind it.
    /// </summary>
    protected void RunSoon(Func<Task> work)
    {
        var pending = ServiceProvider.GetRequiredService<ImmediateWork>();
        pending.Started();
        IGrainTimer? timer = null;
        timer = this.RegisterGrainTimer(async _ =>
        {
            try
            {
                timer?.Dispose();
                await work();
            }
            finally
            {
                pending.Finished();
            }
        }, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan });
    }

    protected async Task CancelWakeAsync(string name)
    {
        if (await this.GetReminder(name) is { } reminder) await this.UnregisterReminder(reminder);
    }

    /// <summary>The retry period of <see cref="WakeAtAsync"/>; Orleans refuses less than a minute.</summary>
    public static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Writes the state; when the write fails (a lost connection, a restarted database, a version conflict), the
    /// activation is dropped before the error goes back, so the next call reads what the database really holds.
    /// </summary>
    protected async Task SaveAsync<T>(IPersistentState<T> state)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }
}

/// <summary>Grain calls that lost a version race are safe to repeat when the call itself is idempotent.</summary>
public static class Conflicts
{
    public static async Task RetryAsync(Func<Task> call, int attempts = 5)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                await call();
                return;
            }
            catch (InconsistentStateException) when (i < attempts)
            {
            }
        }
    }
}
