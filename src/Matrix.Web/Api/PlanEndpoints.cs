using Matrix.Domain.FollowUps;
using Matrix.Grains.FollowUps;
using System.Security.Claims;
using Matrix.Runtime;
using Matrix.Web.Access;

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

        api.MapGet("/", async (FollowUpService followUps) => await followUps.PlansAsync());

        api.MapGet("/{id}", async (string id, IGrainFactory grains) =>
            await grains.Get<IPlanGrain>(id).Get() is { } plan ? Results.Ok(new PlanEntry(id, plan)) : Results.NotFound());

        // A state-driven plan (no reply, weekly, before a date) starts at once for every customer it applies to.
        api.MapPost("/", async (PlanRequest request, FollowUpService followUps, AuditLog audit, ClaimsPrincipal user) =>
        {
            var id = Matrix.Web.ConsoleModel.AccountDesk.NewId("plan");
            var plan = request.ToPlan();
            await followUps.CreatePlanAsync(id, plan);
            await audit.WriteAsync(AccountEndpoints.By(user), "plan.created", id, plan.Name);
            return Results.Created($"/api/plans/{id}", new PlanEntry(id, plan));
        });

        // Customers running the plan get their pending touch placed again from the edit, or stopped when it is disabled.
        api.MapPut("/{id}", async (string id, PlanRequest request, FollowUpService followUps, AuditLog audit, ClaimsPrincipal user) =>
        {
            var plan = request.ToPlan();
            await followUps.UpdatePlanAsync(id, plan);
            await audit.WriteAsync(AccountEndpoints.By(user), "plan.updated", id, $"{plan.Name}{(plan.Enabled ? "" : " (disabled)")}");
            return Results.Ok(new PlanEntry(id, plan));
        });
    }
}
