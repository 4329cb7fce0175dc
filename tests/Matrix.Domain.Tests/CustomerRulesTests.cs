using Matrix.Domain.Customers;

namespace Matrix.Domain.Tests;

public sealed class CustomerRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.FromHours(8));
    private static readonly CustomerSettings Settings = new();

    private static Purchase P(string id, decimal amount, int daysAgo, bool refunded = false) =>
        new(id, amount, [new PurchaseItem("lens-1", 1, "lenses")], Now.AddDays(-daysAgo), refunded ? Now : null);

    private static CustomerFacts Facts(Purchase[]? purchases = null, int addedDaysAgo = 10, int? repliedDaysAgo = null, int messages = 0, int referrals = 0, bool lost = false) =>
        new(purchases ?? [], Now.AddDays(-addedDaysAgo), repliedDaysAgo is { } r ? Now.AddDays(-r) : null, messages, referrals, lost);

    [Theory]
    [InlineData(0, CustomerClass.A)]
    [InlineData(1, CustomerClass.B)]
    [InlineData(2, CustomerClass.C)]
    [InlineData(3, CustomerClass.D)]
    [InlineData(12, CustomerClass.D)]
    public void Classes_follow_the_purchase_count(int purchases, CustomerClass expected) => Assert.Equal(expected, CustomerRules.Classify(purchases, Settings));

    [Fact]
    public void Class_thresholds_are_settings() => Assert.Equal(CustomerClass.B, CustomerRules.Classify(3, Settings with { ClassC = 4, ClassD = 6 }));

    [Fact]
    public void The_score_shows_what_each_part_gave_and_refunds_do_not_count()
    {
        var facts = Facts([P("o1", 2_500, 3), P("o2", 2_500, 40), P("o3", 9_999, 1, refunded: true)], messages: 10, referrals: 1);
        var score = CustomerRules.Score(facts, Settings, Now);
        Assert.Equal(new ScoreBreakdown(Recency: 30, Frequency: 5, Spend: 25, Engagement: 5, Referrals: 2), score);
        Assert.Equal(67, score.Total);
        Assert.Equal(ScoreBand.A, CustomerRules.Band(score.Total, Settings));
    }

    [Fact]
    public void Recency_fades_to_nothing_over_a_year()
    {
        Assert.Equal(15, CustomerRules.Score(Facts([P("o", 1, 186)]), Settings, Now).Recency); // halfway between 7 and 365 days
        Assert.Equal(0, CustomerRules.Score(Facts([P("o", 1, 400)]), Settings, Now).Recency);
        Assert.Equal(0, CustomerRules.Score(Facts(), Settings, Now).Total);
    }

    [Theory]
    [InlineData(80, ScoreBand.S)]
    [InlineData(79, ScoreBand.A)]
    [InlineData(60, ScoreBand.A)]
    [InlineData(40, ScoreBand.B)]
    [InlineData(39, ScoreBand.C)]
    public void Bands_cut_the_score(int total, ScoreBand band) => Assert.Equal(band, CustomerRules.Band(total, Settings));

    [Fact]
    public void Stages_move_from_added_through_the_purchase_ladder_to_dormant_or_lost()
    {
        Assert.Equal(CustomerStage.Added, CustomerRules.Stage(Facts(), Settings, Now));
        Assert.Equal(CustomerStage.Engaged, CustomerRules.Stage(Facts(repliedDaysAgo: 2), Settings, Now));
        Assert.Equal(CustomerStage.FirstPurchase, CustomerRules.Stage(Facts([P("o1", 1, 5)]), Settings, Now));
        Assert.Equal(CustomerStage.Repeat, CustomerRules.Stage(Facts([P("o1", 1, 5), P("o2", 1, 4)]), Settings, Now));
        Assert.Equal(CustomerStage.SuperUser, CustomerRules.Stage(Facts([P("o1", 1, 5), P("o2", 1, 4), P("o3", 1, 3)]), Settings, Now));
        Assert.Equal(CustomerStage.Dormant, CustomerRules.Stage(Facts([P("o1", 1, 120)], addedDaysAgo: 200, repliedDaysAgo: 100), Settings, Now));
        Assert.Equal(CustomerStage.Lost, CustomerRules.Stage(Facts([P("o1", 1, 5)], lost: true), Settings, Now));
    }

    [Fact]
    public void A_bad_purchase_names_its_fields()
    {
        var bad = new Purchase("", -1, [new PurchaseItem("", 0)], default);
        var fields = Assert.Throws<DomainValidationException>(() => CustomerRules.Validate(bad)).Errors.Select(e => e.Field).ToList();
        Assert.Equal(["orderId", "amount", "at", "items[0].sku", "items[0].qty"], fields);
    }
}
