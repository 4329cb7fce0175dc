using Matrix.Domain.FollowUps;
using Matrix.Grains.FollowUps;
using System.Security.Claims;
using Matrix.Grains;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;

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
        // Plans are the store's follow-up rules: admins and leads read and write them.
        var api = app.MapGroup("/api/plans").WithTags("Follow-up plans").ForManagers();

        api.MapGet("/", (PlanDesk plans, ClaimsPrincipal user) => plans.PlansAsync(user));

        api.MapGet("/{id}", async (string id, IGrainFactory grains) =>
            await grains.Get<IPlanGrain>(id).Get() is { } plan ? Results.Ok(new PlanEntry(id, plan)) : Results.NotFound());

        api.MapPost("/", async (PlanRequest request, PlanDesk plans, ClaimsPrincipal user) =>
        {
            var plan = request.ToPlan();
            var id = await plans.CreateAsync(user, plan);
            return Results.Created($"/api/plans/{id}", new PlanEntry(id, plan));
        });

        api.MapPut("/{id}", async (string id, PlanRequest request, PlanDesk plans, ClaimsPrincipal user) =>
        {
            var plan = request.ToPlan();
            await plans.UpdateAsync(user, id, plan);
            return Results.Ok(new PlanEntry(id, plan));
        });
    }
}
