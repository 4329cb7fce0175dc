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
    : RecordGrain<FollowUpPlan>(state, "plan", directory), IPlanGrain
{
    Task<FollowUpPlan?> IPlanGrain.Get() => Task.FromResult(Current);

    async Task IPlanGrain.Create(FollowUpPlan plan)
    {
        await CreateRecord(plan);
        changes.Announce(Changes.ChangeTopics.Plans);
    }

    async Task IPlanGrain.Update(FollowUpPlan plan)
    {
        await UpdateRecord(plan);
        changes.Announce(Changes.ChangeTopics.Plans);
    }

    protected override void Validate(FollowUpPlan plan) => plan.Validate();
}
