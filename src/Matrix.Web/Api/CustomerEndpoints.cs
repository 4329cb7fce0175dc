using Matrix.Domain.Customers;
using Matrix.Grains;
using Matrix.Grains.Customers;
using Matrix.Runtime;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Api;

/// <summary>A customer as the team sees them: where they came from, what they bought, their class, score and stage.</summary>
public sealed record CustomerView(string Id, DateTimeOffset? FirstAddedAt, string? SourceChannel, string? SourceState, IReadOnlyCollection<string> Tags,
    IReadOnlyList<CustomerAccountLink> Accounts, IReadOnlyList<Purchase> Purchases, CustomerClass Class, ScoreBreakdown Score, int ScoreTotal,
    ScoreBand Band, CustomerStage Stage)
{
    public static CustomerView From(string id, CustomerState s, CustomerSettings settings, DateTimeOffset now)
    {
        var facts = s.Facts(now);
        var score = CustomerRules.Score(facts, settings, now);
        return new(id, s.FirstAddedAt, s.SourceChannel, s.SourceState, s.Tags, s.Accounts, s.Purchases.OrderByDescending(p => p.At).ToList(),
            CustomerRules.Classify(s.Purchases.Count(p => p.Counts), settings), score, score.Total, CustomerRules.Band(score.Total, settings),
            CustomerRules.Stage(facts, settings, now));
    }
}

internal static class CustomerEndpoints
{
    public static void MapCustomerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/customers/{id}", async (string id, IGrainFactory grains, IOptions<CustomerSettings> settings, StoreClock clock) =>
            await grains.Get<ICustomerGrain>(id).Get() is { } s ? Results.Ok(CustomerView.From(id, s, settings.Value, clock.UtcNow)) : Results.NotFound())
            .WithTags("Customers");

        // From a till or a shop. Idempotent by order id: the same purchase twice counts once.
        app.MapPost("/api/events/purchase", async (PurchaseEvent e, PurchaseService purchases) =>
            await purchases.PurchaseAsync(e) is { } outcome ? Results.Ok(new { outcome = outcome == PurchaseOutcome.Recorded ? "recorded" : "duplicate" }) : Results.NotFound())
            .WithTags("Events");

        app.MapPost("/api/events/refund", async (RefundEvent e, PurchaseService purchases) => await purchases.RefundAsync(e) switch
        {
            RefundOutcome.UnknownOrder => Results.NotFound(),
            var outcome => Results.Ok(new { outcome = outcome == RefundOutcome.Refunded ? "refunded" : "already-refunded" }),
        }).WithTags("Events");
    }
}
