using Matrix.Storage.Hosting;

namespace Matrix.Grains.FollowUps;

/// <summary>Carries a created or edited plan to the customers it concerns, in the background (keyed by plan id).</summary>
public interface IPlanRolloutGrain : IGrainWithStringKey
{
    /// <summary>Starts carrying the plan as it is now; a rollout still under way starts over (the plan changed again).</summary>
    Task Start();

    Task<bool> IsRunning();

    /// <summary>Where the rollout is: its step, the customers handled in that step and how many the step concerns.</summary>
    Task<RolloutProgress> Progress();
}

public enum RolloutStep { Done, Replacing, Starting }

/// <summary>A rollout's step and how far it got through it (<paramref name="Total"/> counted when the step began).</summary>
public sealed record RolloutProgress(RolloutStep Step, int Handled, int Total);

public sealed class PlanRolloutState
{
    /// <summary>Replacing: re-placing (or stopping) customers already on the plan. Starting: starting a state plan for every current customer.</summary>
    public RolloutStep Step { get; set; }

    /// <summary>The last customer id handled in this step; the next chunk begins after it.</summary>
    public string? After { get; set; }

    /// <summary>Customers handled in this step so far.</summary>
    public int Handled { get; set; }

    /// <summary>Customers the step concerns, counted when it began (customers arriving meanwhile may add a few).</summary>
    public int Total { get; set; }
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
        (state.State.Step, state.State.After, state.State.Handled) = (RolloutStep.Replacing, null, 0);
        state.State.Total = await followUps.CountRunningAsync(GrainKey);
        await SaveAsync(state);
        await WakeAtAsync(Tick, clock.UtcNow);
    }

    Task<bool> IPlanRolloutGrain.IsRunning() => Task.FromResult(state.State.Step != RolloutStep.Done);

    Task<RolloutProgress> IPlanRolloutGrain.Progress() => Task.FromResult(new RolloutProgress(state.State.Step, state.State.Handled, state.State.Total));

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        var (step, after) = (state.State.Step, state.State.After);
        if (step == RolloutStep.Done)
        {
            await CancelWakeAsync(Tick);
            return;
        }
        var (last, count) = step == RolloutStep.Replacing
            ? await followUps.ReplaceRunningAsync(GrainKey, after, Chunk)
            : await followUps.StartForCurrentCustomersAsync(GrainKey, after, Chunk);

        if (last is not null) (state.State.After, state.State.Handled) = (last, state.State.Handled + count);
        else if (step == RolloutStep.Replacing && await followUps.StartsForCurrentCustomersAsync(GrainKey))
            (state.State.Step, state.State.After, state.State.Handled, state.State.Total) = (RolloutStep.Starting, null, 0, await followUps.CountCurrentCustomersAsync());
        else (state.State.Step, state.State.After) = (RolloutStep.Done, null);
        await SaveAsync(state);
        if (state.State.Step != RolloutStep.Done) await WakeAtAsync(Tick, clock.UtcNow);
        else await CancelWakeAsync(Tick);
    }
}
