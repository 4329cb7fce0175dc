using System.Security.Claims;
using Matrix.Grains;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

public sealed record SkipRequest(string Reason);

/// <summary>Where a page of losses starts: the last loss shown, as an opaque URL-safe token.</summary>
internal static class LossCursor
{
    public static string Write(Loss last) =>
        Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(System.Text.Encoding.UTF8.GetBytes($"{last.At.UtcTicks}|{last.AccountId}|{last.CustomerId}"));

    public static Loss? Read(string cursor)
    {
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Decode(cursor)).Split('|', 3);
            return parts is [var ticks, var account, var customer] && long.TryParse(ticks, out var t) && t > 0 && t < DateTimeOffset.MaxValue.UtcTicks
                ? new Loss(account, customer, new DateTimeOffset(t, TimeSpan.Zero), null) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

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

        // Customers who deleted us, with the last touch before they left: the lead's loss list, newest first, a page at
        // a time (limit, default 100, at most 1,000). When more follow, the X-Next-Cursor header holds where the next
        // page starts: send it back as ?cursor=.
        app.MapGet("/api/losses", async (string? accountId, int? limit, string? cursor, TaskStore tasks, AccessService access, HttpResponse response, ClaimsPrincipal user) =>
        {
            if (limit is < 1 or > 1_000) throw new Matrix.Domain.DomainValidationException("limit", "must be between 1 and 1000");
            var before = cursor is null ? null : LossCursor.Read(cursor) ?? throw new Matrix.Domain.DomainValidationException("cursor", "is not a cursor this API gave");
            IReadOnlyCollection<string> accounts = accountId is not null ? [(await access.AccountAsync(user, accountId)).Id]
                : [.. (await access.VisibleAccountsAsync(user)).Select(a => a.Id)];
            var take = limit ?? 100;
            var page = await tasks.LossesAsync(accounts, take + 1, before);
            if (page.Count > take)
            {
                page.RemoveAt(take);
                response.Headers["X-Next-Cursor"] = LossCursor.Write(page[^1]);
            }
            return page;
        }).WithTags("Tasks");

        app.MapPost("/api/tasks/{id:guid}/done", async (Guid id, TaskService service, ClaimsPrincipal user) => await service.DoneAsync(id, AccountEndpoints.By(user)) switch
        {
            TaskDoneOutcome.TargetFull => Results.Problem(statusCode: 409, title: "The target account has no room left; the task stays open."),
            var outcome => Results.Ok(new { outcome = outcome == TaskDoneOutcome.Done ? "done" : "already-done" }),
        }).WithTags("Tasks").Scoped(ScopeKind.Task);
    }
}
