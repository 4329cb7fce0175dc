using Matrix.Domain;
using Matrix.Domain.Moments;
using Matrix.Grains;
using Matrix.Grains.Moments;
using Matrix.Web.Access;

namespace Matrix.Web.Api;

public sealed record PlanFromTemplateRequest(DateTimeOffset PlannedAt, IReadOnlyList<string>? Siblings = null);

/// <summary>Any day of the week to fill; weeks run Monday to Sunday in store time.</summary>
public sealed record ApplyTemplatesRequest(DateOnly Week);

internal static class TemplateEndpoints
{
    public static void MapTemplateApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/personas/{id}/templates").WithTags("Moments calendar").Scoped(ScopeKind.Persona);

        api.MapGet("/", async (string id, IGrainFactory grains) =>
        {
            await CalendarEndpoints.RequirePersonaAsync(grains, id);
            return Results.Ok((await grains.Get<ITemplateShelfGrain>(id).List()).Select(t => new { id = t.Key, template = t.Value }).OrderBy(t => t.template.Name));
        });

        api.MapPost("/", async (string id, PostTemplate template, IGrainFactory grains) =>
        {
            await CalendarEndpoints.RequirePersonaAsync(grains, id);
            var templateId = Matrix.Web.ConsoleModel.AccountDesk.NewId("tpl");
            await grains.Get<ITemplateShelfGrain>(id).Save(templateId, template, create: true);
            return Results.Created($"/api/personas/{id}/templates/{templateId}", new { id = templateId, template });
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapPut("/{templateId}", async (string id, string templateId, PostTemplate template, IGrainFactory grains) =>
        {
            await grains.Get<ITemplateShelfGrain>(id).Save(templateId, template, create: false);
            return Results.Ok(new { id = templateId, template });
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapDelete("/{templateId}", async (string id, string templateId, IGrainFactory grains) =>
        {
            await grains.Get<ITemplateShelfGrain>(id).Delete(templateId);
            return Results.NoContent();
        }).Scoped(ScopeKind.Persona, manage: true);

        api.MapPost("/{templateId}/plan", async (string id, string templateId, PlanFromTemplateRequest request, IGrainFactory grains) =>
        {
            var template = (await grains.Get<ITemplateShelfGrain>(id).List()).GetValueOrDefault(templateId) ?? throw new KeyNotFoundException($"template {templateId}");
            var postId = Matrix.Web.ConsoleModel.AccountDesk.NewId("post");
            var post = template.ToPost(request.PlannedAt, request.Siblings);
            await grains.Get<ICalendarGrain>(id).Plan(postId, post);
            return Results.Created($"/api/personas/{id}/calendar", new { id = postId, post });
        }).Scoped(ScopeKind.Persona, manage: true);

        // The weekly rhythm in one action: every template with a slot becomes a post in that week, all or none.
        api.MapPost("/apply", async (string id, ApplyTemplatesRequest request, IGrainFactory grains, StoreClock clock) =>
        {
            await CalendarEndpoints.RequirePersonaAsync(grains, id);
            var slotted = (await grains.Get<ITemplateShelfGrain>(id).List()).Where(t => t.Value.Slot is not null).OrderBy(t => t.Key).ToList();
            if (slotted.Count == 0) throw DomainValidationException.Of("week", RuleKeys.NoWeeklySlot, "no template of this persona has a weekly slot");
            var posts = slotted.Select(t => new NewPost(Matrix.Web.ConsoleModel.AccountDesk.NewId("post"), t.Value.ToPost(PostTemplate.SlotIn(t.Value.Slot!, request.Week, clock.Zone)),
                $"templates.{t.Key}")).ToList();
            await grains.Get<ICalendarGrain>(id).PlanAll(posts);
            return Results.Created($"/api/personas/{id}/calendar", posts.Select(p => new { id = p.Id, post = p.Post }));
        }).Scoped(ScopeKind.Persona, manage: true);
    }
}
