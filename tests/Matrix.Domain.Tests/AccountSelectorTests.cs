using Matrix.Domain.Accounts;

namespace Matrix.Domain.Tests;

public sealed class AccountSelectorTests
{
    private static readonly CapacitySettings NoBudget = new() { DailyBudget = null, Reserve = 0 };

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
