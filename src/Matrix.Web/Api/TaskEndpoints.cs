using System.Security.Claims;
using Matrix.Grains.Tasks;

namespace Matrix.Web.Api;

internal static class TaskEndpoints
{
    public static void MapTaskApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/accounts/{id}/tasks", async (string id, TaskStore tasks) => await tasks.OpenForAccountAsync(id)).WithTags("Tasks");

        app.MapPost("/api/tasks/{id:guid}/done", async (Guid id, TaskService service, ClaimsPrincipal user) => await service.DoneAsync(id, AccountEndpoints.By(user)) switch
        {
            TaskDoneOutcome.TargetFull => Results.Problem(statusCode: 409, title: "The target account has no room left; the task stays open."),
            var outcome => Results.Ok(new { outcome = outcome == TaskDoneOutcome.Done ? "done" : "already-done" }),
        }).WithTags("Tasks");
    }
}
