using Matrix.Storage.Hosting;

namespace Matrix.Grains.FollowUps;

/// <summary>Carries a created or edited plan to the customers it concerns, in the background (keyed by plan id).</summary>
public interface IPlanRolloutGrain : IGrainWithStringKey
{
    /// <summary>Starts carrying the plan as it is now; a rollout still under way starts over (the plan changed again).</summary>
    Task Start();

    Task<bool> IsRunning();
}

public enum RolloutStep { Done, Replacing, Starting }

public sealed class PlanRolloutState
{
    /// <summary>Replacing: re-placing (or stopping) customers already on the plan. Starting: starting a state plan for every current customer.</summary>
    public RolloutStep Step { get; set; }

    /// <summary>The last customer id handled in this step; the next chunk begins after it.</summary>
    public string? After { get; set; }
}

/// <summary>
/// A plan edit concerns every customer running it, and a state plan (no reply, weekly, a date) every current
/// customer: thousands, too many for the request that saved the plan. The rollout takes <see cref="Chunk"/>
/// customers per reminder tick, in id order, records where it got to, and arms itself again at once. A node that dies
/// mid-chunk leaves the tick to another node, which repeats that chunk; every step of it is idempotent (a customer
/// re-placed or started twice ends the same). Kept off the plan grain, whose turn every customer's tick needs.
/// </summary>
public sealed class PlanRolloutGrain([PersistentState("rollout", StorageHosting.GrainStore)] IPersistentState<PlanRolloutState> state, FollowUpService followUps, StoreClock clock)
    : MatrixGrain, IPlanRolloutGrain, IRemindable
{
    public const int Chunk = 200;
    private const string Tick = "rollout";

    async Task IPlanRolloutGrain.Start()
    {
        state.State.Step = RolloutStep.Replacing;
        state.State.After = null;
        await SaveAsync(state);
        await WakeAtAsync(Tick, clock.UtcNow);
    }

    Task<bool> IPlanRolloutGrain.IsRunning() => Task.FromResult(state.State.Step != RolloutStep.Done);

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        var (step, after) = (state.State.Step, state.State.After);
        if (step == RolloutStep.Done)
        {
            await CancelWakeAsync(Tick);
            return;
        }
        var last = step == RolloutStep.Replacing
            ? await followUps.ReplaceRunningAsync(GrainKey, after, Chunk)
            : await followUps.StartForCurrentCustomersAsync(GrainKey, after, Chunk);

        if (last is not null) state.State.After = last;
        else if (step == RolloutStep.Replacing && await followUps.StartsForCurrentCustomersAsync(GrainKey)) (state.State.Step, state.State.After) = (RolloutStep.Starting, null);
        else (state.State.Step, state.State.After) = (RolloutStep.Done, null);
        await SaveAsync(state);
        if (state.State.Step != RolloutStep.Done) await WakeAtAsync(Tick, clock.UtcNow);
        else await CancelWakeAsync(Tick);
    }
}
