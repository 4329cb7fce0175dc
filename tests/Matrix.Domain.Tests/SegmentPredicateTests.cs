using Matrix.Domain.Customers;
using Matrix.Domain.Reports;
using Matrix.Domain.Segments;

namespace Matrix.Domain.Tests;

public sealed class SegmentPredicateTests
{
    private static readonly TagCatalog Tags = new(new Dictionary<string, IReadOnlyList<string>> { ["interest"] = ["学生", "近视"] });

    private static IEnumerable<string> Fields(SegmentPredicate p) => p.Validate(Tags).Select(e => e.Field);

    [Fact]
    public void A_predicate_of_every_field_with_good_operands_is_accepted()
    {
        var every = new SegmentPredicate
        {
            All =
            [
                new() { Field = "class", In = ["C", "D"] },
                new() { Field = "band", In = ["S"] },
                new() { Any = [new() { Field = "stage", In = ["Dormant"] }, new() { Not = new() { Field = "tags", In = ["学生"], Match = "all" } }] },
                new() { Field = "tags", Dimension = "interest" },
                new() { Field = "channel", In = ["c1"] },
                new() { Field = "purchases", Min = 2, Category = "镜片", WithinDays = 180 },
                new() { Field = "spend", Max = 5000 },
                new() { Field = "lastPurchase", BeforeDays = 180, Category = "镜片" },
                new() { Field = "lastReply", Never = true },
                new() { Field = "added", WithinDays = 30 },
                new() { Field = "attribute", Key = "birthday", ThisMonth = true },
            ],
        };
        Assert.Empty(every.Validate(Tags));
    }

    [Fact]
    public void Each_wrong_part_is_named_by_its_path()
    {
        Assert.Equal(["predicate.all[0].in[0]", "predicate.all[1].field"],
            Fields(new() { All = [new() { Field = "class", In = ["Z"] }, new() { Field = "height", In = ["1"] }] }));
        Assert.Equal(["predicate.in[0]"], Fields(new() { Field = "tags", In = ["没有"] }));
        Assert.Equal(["predicate.dimension"], Fields(new() { Field = "tags", Dimension = "nope" }));
        Assert.Equal(["predicate.min"], Fields(new() { Field = "spend" }));
        Assert.Equal(["predicate.max"], Fields(new() { Field = "purchases", Min = 3, Max = 1 }));
        Assert.Equal(["predicate.withinDays"], Fields(new() { Field = "lastTouch", WithinDays = 7, BeforeDays = 30 }));
        Assert.Equal(["predicate.never"], Fields(new() { Field = "added", Never = true }));
        Assert.Equal(["predicate.withinDays"], Fields(new() { Field = "attribute", Key = "birthday", WithinDays = 400 }));
        Assert.Equal(["predicate.thisMonth"], Fields(new() { Field = "attribute", Key = "birthday" }));
        Assert.Equal(["predicate"], Fields(new() { Field = "class", In = ["A"], All = [new() { Field = "class", In = ["B"] }] }));
        Assert.Equal(["predicate.any"], Fields(new() { Any = [] }));
    }

    [Fact]
    public void Nesting_and_size_are_bounded()
    {
        SegmentPredicate deep = new() { Field = "class", In = ["A"] };
        for (var i = 0; i < SegmentPredicate.DepthMax; i++) deep = new() { Not = deep };
        Assert.Equal(["predicate.not.not.not.not.not"], Fields(deep));
        var wide = new SegmentPredicate { Any = [.. Enumerable.Range(0, SegmentPredicate.ConditionsMax + 1).Select(_ => new SegmentPredicate { Field = "class", In = ["A"] })] };
        Assert.Equal(["predicate"], Fields(wide));
    }

    [Fact]
    public void The_days_ahead_cross_the_year_end()
    {
        Assert.Equal(["12-30", "12-31", "01-01", "01-02"], SegmentPredicate.MonthDaysAhead(new DateOnly(2026, 12, 30), 3));
    }

    [Fact]
    public void A_share_of_nothing_is_none_not_zero()
    {
        Assert.Null(Rates.Share(0, 0));
        Assert.Equal(0.25, Rates.Share(1, 4));
    }
}
