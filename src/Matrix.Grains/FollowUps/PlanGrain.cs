using Matrix.Domain.FollowUps;
using Matrix.Runtime;

namespace Matrix.Grains.FollowUps;

public interface IPlanGrain : IGrain
{
    Task<FollowUpPlan?> Get();
    Task Create(FollowUpPlan plan);
    Task Update(FollowUpPlan plan);
}

/// <summary>A follow-up plan (SOP). Customers running it read it at every tick, so an edit applies to their next touch.</summary>
public sealed class PlanGrain(IPersistentState<RecordState<FollowUpPlan>> state) : RecordGrain<FollowUpPlan>(state, "plan"), IPlanGrain
{
    Task<FollowUpPlan?> IPlanGrain.Get() => Task.FromResult(Current);

    Task IPlanGrain.Create(FollowUpPlan plan) => CreateRecord(plan);

    Task IPlanGrain.Update(FollowUpPlan plan) => UpdateRecord(plan);

    protected override void Validate(FollowUpPlan plan) => plan.Validate();
}
