using Matrix.Domain.Accounts;

namespace Matrix.Domain.Tests;

public sealed class AccountSelectorTests
{
    private static readonly CapacitySettings NoBudget = new() { DailyBudget = null, Reserve = 0 };

    [Theory]
    [InlineData(2_999, FillLevel.BelowSoft)]
    [InlineData(3_000, FillLevel.OverSoft)]
    [InlineData(4_949, FillLevel.OverSoft)]
    [InlineData(4_950, FillLevel.Full)] // hard cap 5,000 less the reserve of 50: no live code sends anyone here
    public void An_accounts_fill_level_follows_the_soft_cap_and_the_hard_limit(int friends, FillLevel level) =>
        Assert.Equal(level, new CapacitySettings().LevelOf(friends));

    private static Candidate C(string id, int friends, int reserved = 0, CapacitySettings? cap = null, AccountStatus status = AccountStatus.Active,
        int addedToday = 0, int ageDays = 100, bool onShift = true) =>
        new(id, status, cap ?? NoBudget, friends, reserved, addedToday, ageDays, onShift);

    private static IReadOnlyList<string> Order(IReadOnlyList<ReservationAttempt> attempts) => attempts.Select(a => a.AccountId).ToList();

    [Fact]
    public void Accounts_below_the_soft_cap_come_first_least_filled_first()
    {
        var plan = AccountSelector.Plan([C("a", 2_000), C("b", 500), C("c", 4_000), C("d", 1_000, reserved: 200)], []);
        Assert.Equal(["b", "d", "a"], Order(plan));
        Assert.All(plan, a => Assert.Equal(3_000, a.LoadLimit));
    }

    [Fact]
    public void Only_when_none_is_below_the_soft_cap_may_an_account_pass_it_up_to_the_hard_cap_minus_the_reserve()
    {
        var cap = new CapacitySettings { DailyBudget = null, Reserve = 100 };
        var plan = AccountSelector.Plan([C("a", 3_000, cap: cap), C("b", 4_200, cap: cap), C("c", 4_900, cap: cap)], []);
        Assert.Equal(["a", "b"], Order(plan)); // c is within the reserve: 4,900 + 1 > 5,000 - 100
        Assert.All(plan, a => Assert.Equal(4_900, a.LoadLimit));
        Assert.All(plan, a => Assert.True(a.AboveSoftCap));
    }

    [Fact]
    public void A_cap_of_N_means_N_the_count_after_the_increment_is_what_is_checked()
    {
        Assert.Equal(["a"], Order(AccountSelector.Plan([C("a", 2_999)], [])));
        Assert.Equal(["a"], Order(AccountSelector.Plan([C("a", 4_999)], []))); // second phase, hard cap 5,000, reserve 0
        Assert.Empty(AccountSelector.Plan([C("a", 5_000)], []));
        Assert.Empty(AccountSelector.Plan([C("a", 4_000, reserved: 1_000)], [])); // held slots count too
    }

    [Theory]
    [InlineData(AccountStatus.Restricted)]
    [InlineData(AccountStatus.Banned)]
    [InlineData(AccountStatus.Retired)]
    public void Restricted_banned_and_retired_accounts_never_take_friends(AccountStatus status) =>
        Assert.Equal(["ok"], Order(AccountSelector.Plan([C("x", 0, status: status), C("ok", 2_000)], [])));

    [Fact]
    public void Warming_up_accounts_take_friends_within_their_ramp()
    {
        var cap = new CapacitySettings { DailyBudget = 150, WarmupDays = 21, WarmupStartBudget = 20, Reserve = 0 };
        Assert.Equal(20, cap.BudgetOn(0));
        Assert.Equal(81, cap.BudgetOn(10)); // 20 + 130 × 10 / 21, rounded down
        Assert.Equal(150, cap.BudgetOn(21));

        var young = C("young", 10, cap: cap, status: AccountStatus.WarmingUp, ageDays: 0, addedToday: 19);
        Assert.Equal(["young"], Order(AccountSelector.Plan([young], [])));
        Assert.Equal(20, AccountSelector.Plan([young], [])[0].BudgetToday);
        Assert.Empty(AccountSelector.Plan([young with { AddedToday = 20 }], []));
        Assert.Empty(AccountSelector.Plan([young with { AddedToday = 19, Reserved = 1 }], [])); // a held slot uses the budget
    }

    [Fact]
    public void An_account_whose_operator_is_off_shift_is_skipped() =>
        Assert.Equal(["on"], Order(AccountSelector.Plan([C("off", 0, onShift: false), C("on", 2_500)], [])));

    [Fact]
    public void Backups_are_used_only_when_the_pool_is_full()
    {
        var pool = new[] { C("a", 5_000), C("b", 5_000) };
        var plan = AccountSelector.Plan(pool, [C("backup", 100)]);
        var attempt = Assert.Single(plan);
        Assert.Equal(("backup", true), (attempt.AccountId, attempt.IsBackup));

        Assert.Equal(["a"], Order(AccountSelector.Plan([C("a", 10)], [C("backup", 0)])));
    }

    [Fact]
    public void Spreading_breaks_ties_only_within_one_percent_of_fill()
    {
        var pool = new[] { C("a", 1_010), C("b", 1_020), C("c", 2_000) }; // a and b share the 20% band; c is at 40%
        var firsts = Enumerable.Range(0, 200).Select(seed => AccountSelector.Plan(pool, [], new Random(seed))).ToList();
        Assert.All(firsts, plan => Assert.Equal("c", plan[^1].AccountId));
        Assert.Contains(firsts, plan => plan[0].AccountId == "a");
        Assert.Contains(firsts, plan => plan[0].AccountId == "b");
    }

    [Fact]
    public void A_pool_with_no_room_anywhere_is_full() =>
        Assert.Empty(AccountSelector.Plan([C("a", 5_000), C("b", 0, status: AccountStatus.Banned)], [C("bk", 5_000)]));
}

public sealed class RehomePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static Candidate S(string id, int friends, int hard = 10, int soft = 6, AccountStatus status = AccountStatus.Active) =>
        new(id, status, new CapacitySettings { HardCap = hard, SoftCap = soft, Reserve = 1, DailyBudget = 1 }, friends, 0, 5, 100, false);

    private static RehomeCustomer[] Customers(int n) => [.. Enumerable.Range(0, n).Select(i => new RehomeCustomer($"c{i}", []))];

    [Fact]
    public void Customers_fill_siblings_below_the_soft_cap_first_and_never_into_the_reserve()
    {
        var plan = RehomePlanner.Plan(Customers(12), [S("a", 4), S("b", 5), S("banned", 0, status: AccountStatus.Banned)], AccountKind.PersonalWeChat, Now);

        var byTarget = plan.Assignments.GroupBy(a => a.TargetAccountId).ToDictionary(g => g.Key, g => g.Count());
        // Soft cap 6: a takes 2, b takes 1; then up to hard cap 10 minus reserve 1 = 9: a takes 3 more, b 4 more.
        Assert.Equal(5, byTarget["a"]);
        Assert.Equal(4, byTarget["b"]);
        Assert.False(byTarget.ContainsKey("banned"));
        Assert.Equal(3, plan.Unplaced.Count);
        Assert.All(plan.Unplaced, u => Assert.Equal(UnplacedReason.NoRoom, u.Reason));
    }

    [Fact]
    public void Off_shift_and_daily_budgets_do_not_stop_a_planned_move() =>
        Assert.Single(RehomePlanner.Plan(Customers(1), [S("a", 0)], AccountKind.PersonalWeChat, Now).Assignments);

    [Fact]
    public void A_WeCom_customer_transferred_twice_in_90_days_is_left_out_with_the_reason()
    {
        var twice = new RehomeCustomer("twice", [Now.AddDays(-10), Now.AddDays(-80)]);
        var longAgo = new RehomeCustomer("long-ago", [Now.AddDays(-100), Now.AddDays(-95)]);
        var plan = RehomePlanner.Plan([twice, longAgo], [S("a", 0)], AccountKind.WeCom, Now);
        Assert.Equal(new RehomeUnplaced("twice", UnplacedReason.TransferLimit), Assert.Single(plan.Unplaced));
        Assert.Equal("long-ago", Assert.Single(plan.Assignments).ExternalId);

        // A personal account's move is an introduction by a person, not a WeCom transfer: no such limit.
        Assert.Equal(2, RehomePlanner.Plan([twice, longAgo], [S("a", 0)], AccountKind.PersonalWeChat, Now).Assignments.Count);
    }
}
