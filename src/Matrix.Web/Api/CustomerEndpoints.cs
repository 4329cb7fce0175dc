using Matrix.Domain.Customers;
using Matrix.Grains;
using Matrix.Grains.Customers;
using Matrix.Grains.Capacity;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Api;

/// <summary>A customer as the team sees them: where they came from, what they bought, their class, score and stage.</summary>
public sealed record CustomerView(string Id, DateTimeOffset? FirstAddedAt, string? SourceChannel, string? SourceState, IReadOnlyCollection<string> Tags,
    IReadOnlyList<FriendLink> Accounts, IReadOnlyList<Purchase> Purchases, CustomerClass Class, ScoreBreakdown Score, int ScoreTotal,
    ScoreBand Band, CustomerStage Stage, DateTimeOffset? LastReplyAt, IReadOnlyList<DateTimeOffset> TouchesAt)
{
    public static CustomerView From(CustomerRecord c, CustomerSettings settings, DateTimeOffset now)
    {
        var facts = c.Facts(now);
        var score = CustomerRules.Score(facts, settings, now);
        return new(c.Id, c.FirstAddedAt, c.Source?.ChannelId, c.Source?.ChannelState, c.Tags, c.Accounts, c.State.Purchases.OrderByDescending(p => p.At).ToList(),
            CustomerRules.Classify(c.State.Purchases.Count(p => p.Counts), settings), score, score.Total, CustomerRules.Band(score.Total, settings),
            CustomerRules.Stage(facts, settings, now), c.State.LastReplyAt, c.State.TouchesAt);
    }
}

internal static class CustomerEndpoints
{
    public static void MapCustomerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/customers/{id}", async (string id, CustomerReader customers, IOptions<CustomerSettings> settings, StoreClock clock) =>
            await customers.GetAsync(id) is { } c ? Results.Ok(CustomerView.From(c, settings.Value, clock.UtcNow)) : Results.NotFound())
            .WithTags("Customers");

        // From a till or a shop. Idempotent by order id: the same purchase twice counts once.
        app.MapPost("/api/events/purchase", async (PurchaseEvent e, PurchaseService purchases) =>
            await purchases.PurchaseAsync(e) is { } outcome ? Results.Ok(new { outcome = outcome == PurchaseOutcome.Recorded ? "recorded" : "duplicate" }) : Results.NotFound())
            .WithTags("Events");

        // A customer wrote to us: engagement for the score, and the "no reply" clock starts again.
        app.MapPost("/api/events/message-received", async (MessageReceivedEvent e, MessageService messages) =>
            await messages.ReceivedAsync(e) ? Results.Ok(new { outcome = "recorded" }) : Results.NotFound()).WithTags("Events");

        app.MapPost("/api/events/refund", async (RefundEvent e, PurchaseService purchases) => await purchases.RefundAsync(e) switch
        {
            RefundOutcome.UnknownOrder => Results.NotFound(),
            var outcome => Results.Ok(new { outcome = outcome == RefundOutcome.Refunded ? "refunded" : "already-refunded" }),
        }).WithTags("Events");
    }
}
