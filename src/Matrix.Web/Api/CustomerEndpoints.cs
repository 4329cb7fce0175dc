using System.Security.Claims;
using Matrix.Domain.Customers;
using Matrix.Grains;
using Matrix.Grains.Customers;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Api;

/// <summary>A customer as the team sees them: where they came from, what they bought, their class, score and stage.</summary>
public sealed record TagChange(IReadOnlyList<string>? Add = null, IReadOnlyList<string>? Remove = null);

public sealed record TagDimension(IReadOnlyList<string> Tags);

public sealed record CustomerView(string Id, DateTimeOffset? FirstAddedAt, string? SourceChannel, string? SourceState, IReadOnlyCollection<string> Tags,
    IReadOnlyList<FriendLink> Accounts, IReadOnlyList<Purchase> Purchases, CustomerClass Class, ScoreBreakdown Score, int ScoreTotal,
    ScoreBand Band, CustomerStage Stage, DateTimeOffset? LastReplyAt, IReadOnlyList<DateTimeOffset> TouchesAt, CustomerProfile Profile, int Referred)
{
    public static CustomerView From(CustomerRecord c, CustomerSettings settings, DateTimeOffset now)
    {
        var facts = c.Facts(now);
        var score = CustomerRules.Score(facts, settings, now);
        return new(c.Id, c.FirstAddedAt, c.Source?.ChannelId, c.Source?.ChannelState, c.Tags, c.Accounts, c.State.Purchases.OrderByDescending(p => p.At).ToList(),
            CustomerRules.Classify(c.State.Purchases.Count(p => p.Counts), settings), score, score.Total, CustomerRules.Band(score.Total, settings),
            CustomerRules.Stage(facts, settings, now), c.State.LastReplyAt, c.State.TouchesAt, c.State.Profile, c.State.Referred.Count);
    }
}

internal static class CustomerEndpoints
{
    public static void MapCustomerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/customers/{id}", async (string id, CustomerReader customers, IOptions<CustomerSettings> settings, StoreClock clock) =>
            await customers.GetAsync(id) is { } c ? Results.Ok(CustomerView.From(c, settings.Value, clock.UtcNow)) : Results.NotFound())
            .WithTags("Customers").Scoped(ScopeKind.Customer);

        var customers = app.MapGroup("/api/customers/{id}").WithTags("Customers").Scoped(ScopeKind.Customer);
        customers.MapPut("/profile", async (string id, CustomerProfile profile, CustomerProfileService service, ClaimsPrincipal user) =>
            await service.UpdateAsync(id, profile, AccountEndpoints.By(user)) ? Results.Ok(profile) : Results.NotFound());
        customers.MapPost("/tags", async (string id, TagChange change, CustomerProfileService service, ClaimsPrincipal user) =>
            await service.ChangeTagsAsync(id, change.Add ?? [], change.Remove ?? [], AccountEndpoints.By(user)) ? Results.NoContent() : Results.NotFound());
        customers.MapGet("/timeline", async (string id, CustomerReader reader, TaskStore tasks) =>
            await reader.GetAsync(id) is { } c ? Results.Ok(CustomerTimeline.Build(c, await tasks.ForCustomerAsync(id))) : Results.NotFound());

        // The managed tag list, by dimension; customers are tagged only from it.
        app.MapGet("/api/tags", async (IGrainFactory grains) => (await grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Get()).Dimensions).WithTags("Customers");
        // One list for the whole matrix: admins keep it.
        app.MapPut("/api/tags/{dimension}", async (string dimension, TagDimension body, ConsoleModel.TagDesk tags, ClaimsPrincipal user) =>
        {
            await tags.DefineAsync(user, dimension, body.Tags);
            return Results.Ok(body);
        }).WithTags("Customers").RequireAuthorization("admin");

        // From a till or a shop. Idempotent by order id: the same purchase twice counts once.
        app.MapPost("/api/events/purchase", async (PurchaseEvent e, PurchaseService purchases, AccessService access, ClaimsPrincipal user) =>
            await access.PurchaserAsync(user, e.AccountId, e.CustomerId ?? e.ExternalId) && await purchases.PurchaseAsync(e) is { } outcome ? Results.Ok(new { outcome = outcome == PurchaseOutcome.Recorded ? "recorded" : "duplicate" }) : Results.NotFound())
            .WithTags("Events");

        // A customer wrote to us: engagement for the score, and the "no reply" clock starts again.
        app.MapPost("/api/events/message-received", async (MessageReceivedEvent e, MessageService messages, AccessService access, ClaimsPrincipal user) =>
            await access.EventAccountAsync(user, e.AccountId) && await messages.ReceivedAsync(e) ? Results.Ok(new { outcome = "recorded" }) : Results.NotFound()).WithTags("Events");

        app.MapPost("/api/events/refund", async (RefundEvent e, PurchaseService purchases, AccessService access, ClaimsPrincipal user) =>
            await access.PurchaserAsync(user, null, await purchases.OrderCustomerAsync(e.OrderId)) ? await purchases.RefundAsync(e) switch
        {
            RefundOutcome.UnknownOrder => Results.NotFound(),
            var outcome => Results.Ok(new { outcome = outcome == RefundOutcome.Refunded ? "refunded" : "already-refunded" }),
        } : Results.NotFound()).WithTags("Events");
    }
}
