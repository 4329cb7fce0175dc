using Matrix.Domain.FollowUps;
using Matrix.Grains.FollowUps;
using Matrix.Runtime;

namespace Matrix.Web.Api;

public sealed record PlanRequest(string Name, PlanTrigger Trigger, string Template, CalendarSpan Delay, CalendarSpan? Interval = null,
    PlanFilter? Filter = null, PlanEnd? Ends = null, bool Enabled = true)
{
    public FollowUpPlan ToPlan() => new(Name, Trigger, Filter ?? new PlanFilter(), Delay, Interval, Template, Ends ?? new PlanEnd(), Enabled);
}

internal static class PlanEndpoints
{
    public static void MapPlanApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/plans").WithTags("Follow-up plans");

        api.MapGet("/", async (FollowUpService followUps) => await followUps.PlansAsync());

        api.MapGet("/{id}", async (string id, IGrainFactory grains) =>
            await grains.Get<IPlanGrain>(id).Get() is { } plan ? Results.Ok(new PlanEntry(id, plan)) : Results.NotFound());

        // A state-driven plan (no reply, weekly, before a date) starts at once for every customer it applies to.
        api.MapPost("/", async (PlanRequest request, FollowUpService followUps) =>
        {
            var id = Ids.New("plan");
            var plan = request.ToPlan();
            await followUps.CreatePlanAsync(id, plan);
            return Results.Created($"/api/plans/{id}", new PlanEntry(id, plan));
        });

        // Customers running the plan get their pending touch placed again from the edit, or stopped when it is disabled.
        api.MapPut("/{id}", async (string id, PlanRequest request, FollowUpService followUps) =>
        {
            var plan = request.ToPlan();
            await followUps.UpdatePlanAsync(id, plan);
            return Results.Ok(new PlanEntry(id, plan));
        });
    }
}
