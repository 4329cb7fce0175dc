using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Tests;

public sealed class FollowUpPlanTests
{
    private static readonly HashSet<string> KidTags = ["kid's glasses", "walk-in"];

    [Fact]
    public void A_filter_matches_only_when_every_given_part_does()
    {
        var filter = new PlanFilter(Classes: [CustomerClass.B, CustomerClass.C], Tags: ["kid's glasses"], Stages: [CustomerStage.FirstPurchase]);
        Assert.True(filter.Matches(CustomerClass.B, KidTags, ScoreBand.C, CustomerStage.FirstPurchase));
        Assert.False(filter.Matches(CustomerClass.A, KidTags, ScoreBand.C, CustomerStage.FirstPurchase));
        Assert.False(filter.Matches(CustomerClass.B, new HashSet<string> { "walk-in" }, ScoreBand.C, CustomerStage.FirstPurchase));
        Assert.True(new PlanFilter().Matches(CustomerClass.A, new HashSet<string>(), ScoreBand.C, CustomerStage.Added));
    }

    [Fact]
    public void Only_a_filter_without_any_condition_matches_everyone_unread()
    {
        Assert.True(new PlanFilter().MatchesEveryone());
        Assert.True(new PlanFilter(Classes: [], Tags: [], Bands: [], Stages: []).MatchesEveryone());
        Assert.False(new PlanFilter(Tags: ["kid's glasses"]).MatchesEveryone());
        Assert.False(new PlanFilter(Bands: [ScoreBand.A]).MatchesEveryone());
    }

    [Fact]
    public void Templates_fill_known_fields_and_leave_unknown_ones_visible()
    {
        var text = TemplateRenderer.Render("{nickname}您好，我是{persona_name}。上次配的{last_purchase}该清洗了，{child_age}岁的孩子记得复查。{unknown}",
            new Dictionary<string, string> { ["nickname"] = "张女士", ["persona_name"] = "小林", ["last_purchase"] = "镜片", ["child_age"] = "8" });
        Assert.Equal("张女士您好，我是小林。上次配的镜片该清洗了，8岁的孩子记得复查。{unknown}", text);
        Assert.Equal("{ not a field", TemplateRenderer.Render("{ not a field", new Dictionary<string, string>()));
    }

    [Fact]
    public void A_plan_that_breaks_a_rule_names_the_field()
    {
        var plan = new FollowUpPlan("lens cleaning", new PlanTrigger(TriggerKind.BeforeAttributeDate), new PlanFilter(),
            CalendarSpan.FromMonths(3), new CalendarSpan(0, 0, TimeSpan.Zero), "", new PlanEnd());
        var fields = Assert.Throws<DomainValidationException>(plan.Validate).Errors.Select(e => e.Field).ToList();
        Assert.Equal(["template", "interval", "trigger.attribute"], fields);
    }
}
