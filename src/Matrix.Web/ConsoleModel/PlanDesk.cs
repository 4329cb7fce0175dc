using System.Security.Claims;
using Matrix.Domain.FollowUps;
using Matrix.Grains;
using Matrix.Grains.FollowUps;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>Follow-up plans for the console: the store's rules, read and written by admins and leads.</summary>
public sealed class PlanDesk(FollowUpService followUps, MatrixDirectory directory, AuditLog audit, StoreClock clock, IGrainFactory grains)
{
    /// <summary>How far each plan's latest save has reached its customers (a rollout runs in the background).</summary>
    public async Task<IReadOnlyDictionary<string, RolloutProgress>> RolloutsAsync(IEnumerable<string> planIds)
    {
        var ids = planIds.ToList();
        var progress = await Task.WhenAll(ids.Select(id => grains.Get<IPlanRolloutGrain>(id).Progress()));
        return ids.Zip(progress).ToDictionary(p => p.First, p => p.Second);
    }

    public Task<IReadOnlyList<PlanEntry>> PlansAsync(ClaimsPrincipal user)
    {
        AccessService.RequireManager(user);
        return directory.PlansAsync();
    }

    /// <summary>A state-driven plan (no reply, weekly, before a date) starts at once for every customer it applies to.</summary>
    public async Task<string> CreateAsync(ClaimsPrincipal user, FollowUpPlan plan)
    {
        AccessService.RequireManager(user);
        var id = AccountDesk.NewId("plan");
        await followUps.CreatePlanAsync(id, plan);
        await audit.WriteAsync(AccountDesk.By(user), "plan.created", id, plan.Name);
        return id;
    }

    /// <summary>Customers running the plan get their pending touch placed again from the edit, or stopped when it is disabled.</summary>
    public async Task UpdateAsync(ClaimsPrincipal user, string id, FollowUpPlan plan)
    {
        AccessService.RequireManager(user);
        await followUps.UpdatePlanAsync(id, plan);
        await audit.WriteAsync(AccountDesk.By(user), "plan.updated", id, $"{plan.Name}{(plan.Enabled ? "" : " (disabled)")}");
    }

    /// <summary>
    /// When the first touches of a plan would fall for a customer it starts for right now (a friend added or a
    /// purchase this minute), in store time and out of quiet hours: what the editor previews before saving.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> Preview(FollowUpPlan plan, int count = 3) =>
        [.. DueTimes.Occurrences(clock.LocalNow, plan.Delay, TriggerTimes.RepeatOf(plan)).Take(count)
            .Select(local => DueTimes.Place(local, QuietHours.Default, clock.Zone))];
}
