using System.Security.Claims;
using Matrix.Grains;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

public sealed record SkipRequest(string Reason);

internal static class TaskEndpoints
{
    public static void MapTaskApi(this IEndpointRouteBuilder app)
    {
        // ?due=today: what the person holding the phone should do today (store time); without it, every open task.
        app.MapGet("/api/accounts/{id}/tasks", async (string id, string? due, TaskStore tasks, StoreClock clock) => due switch
        {
            null => Results.Ok(await tasks.OpenForAccountAsync(id)),
            "today" => Results.Ok(await tasks.DueAsync([id], clock.TodayUtc.End)),
            _ => throw new Matrix.Domain.DomainValidationException("due", "only 'today' is supported"),
        }).WithTags("Tasks").Scoped(ScopeKind.Account);

        app.MapPost("/api/tasks/{id:guid}/skip", async (Guid id, SkipRequest request, TaskService service, ClaimsPrincipal user) =>
            Results.Ok(new { outcome = await service.SkipAsync(id, request.Reason, AccountEndpoints.By(user)) ? "skipped" : "not-open" })).WithTags("Tasks").Scoped(ScopeKind.Task);

        // Customers who deleted us, with the last touch before they left: the lead's loss list.
        app.MapGet("/api/losses", async (string? accountId, TaskStore tasks, AccessService access, ClaimsPrincipal user) =>
        {
            if (accountId is not null) await access.AccountAsync(user, accountId);
            var visible = (await access.VisibleAccountsAsync(user)).Select(a => a.Id).ToHashSet();
            return (await tasks.LossesAsync(accountId)).Where(l => visible.Contains(l.AccountId));
        }).WithTags("Tasks");

        app.MapPost("/api/tasks/{id:guid}/done", async (Guid id, TaskService service, ClaimsPrincipal user) => await service.DoneAsync(id, AccountEndpoints.By(user)) switch
        {
            TaskDoneOutcome.TargetFull => Results.Problem(statusCode: 409, title: "The target account has no room left; the task stays open."),
            var outcome => Results.Ok(new { outcome = outcome == TaskDoneOutcome.Done ? "done" : "already-done" }),
        }).WithTags("Tasks").Scoped(ScopeKind.Task);
    }
}
