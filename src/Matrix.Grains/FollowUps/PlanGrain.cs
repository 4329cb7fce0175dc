using Matrix.Domain.FollowUps;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.FollowUps;

public interface IPlanGrain : IGrainWithStringKey
{
    Task<FollowUpPlan?> Get();
    Task Create(FollowUpPlan plan);
    Task Update(FollowUpPlan plan);
}

/// <summary>A follow-up plan (SOP). Customers running it read it at every tick, so an edit applies to their next touch.</summary>
public sealed class PlanGrain([PersistentState("plan", StorageHosting.GrainStore)] IPersistentState<RecordState<FollowUpPlan>> state, DirectoryWriter directory, Changes.ChangeFeed changes)
    : RecordGrain<FollowUpPlan>(state, "plan", directory, changes, Changes.ChangeTopics.Plans), IPlanGrain
{
    Task<FollowUpPlan?> IPlanGrain.Get() => Task.FromResult(Current);

    Task IPlanGrain.Create(FollowUpPlan plan) => CreateRecord(plan);

    Task IPlanGrain.Update(FollowUpPlan plan) => UpdateRecord(plan);

    protected override void Validate(FollowUpPlan plan) => plan.Validate();
}
