using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Grains.FollowUps;
using Matrix.Testing;

namespace Matrix.Grains.Tests;

/// <summary>
/// What a node keeps of lists it reads on every event (the follow-up plans, a live code's pool) and when it must
/// stop trusting them: a write on this node, a write announced by another, a refused hold, an overflow decision.
/// </summary>
public sealed class NodeViewTests
{
    private static readonly CapacitySettings Roomy = new() { DailyBudget = null };

    private static FollowUpPlan Welcome(string template) =>
        new("welcome call", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(), new CalendarSpan(0, 2, TimeSpan.Zero), null, template, new PlanEnd(), true);

    private static async Task<int> PlanRemindersAsync(TestCluster cluster, string customer) =>
        (await cluster.RemindersAsync("plan:welcome")).Count(r => r.Key == customer);

    private static Task<FriendAddOutcome> AddAsync(TestNode node, string account, string customer) =>
        node.Service<FriendEventService>().AddedAsync(new FriendAddedEvent(account, customer, DateTimeOffset.UtcNow, "add-" + customer, "table-cards"));

    [Fact]
    public async Task A_plan_written_on_one_node_starts_for_friends_added_on_another_once_announced()
    {
        await using var cluster = await MatrixCluster.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await MatrixCluster.SeedPoolAsync(a.Grains, 1, Roomy);
        Assert.Equal(FriendAddOutcome.Added, await AddAsync(b, "a-1", "wx-before")); // node B now holds "no plans"

        var heard = b.WaitForChangeAsync(Changes.ChangeTopics.Plans);
        await a.Service<FollowUpService>().CreatePlanAsync("welcome", Welcome("欢迎"));
        await heard;
        Assert.Equal(FriendAddOutcome.Added, await AddAsync(b, "a-1", "wx-after"));
        Assert.Equal(FriendAddOutcome.Added, await AddAsync(a, "a-1", "wx-on-a"));

        Assert.Equal(0, await PlanRemindersAsync(cluster, "wx-before"));
        Assert.Equal(1, await PlanRemindersAsync(cluster, "wx-after"));
        Assert.Equal(1, await PlanRemindersAsync(cluster, "wx-on-a"));

        heard = b.WaitForChangeAsync(Changes.ChangeTopics.Plans);
        await a.Service<FollowUpService>().UpdatePlanAsync("welcome", Welcome("欢迎") with { Enabled = false });
        await heard;
        Assert.Equal(FriendAddOutcome.Added, await AddAsync(b, "a-1", "wx-disabled"));
        Assert.Equal(0, await PlanRemindersAsync(cluster, "wx-disabled"));
    }

    [Fact]
    public async Task An_account_banned_on_one_node_is_not_chosen_by_another_once_announced()
    {
        await using var cluster = await MatrixCluster.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await MatrixCluster.SeedPoolAsync(a.Grains, 2, Roomy);
        var scanned = new HashSet<string?>();
        for (var i = 0; i < 20 && scanned.Count < 2; i++) scanned.Add((await b.Service<LiveCodeService>().ScanAsync("table-cards"))!.AccountId);
        Assert.Equal(["a-1", "a-2"], scanned.Order()); // node B's view holds both accounts

        var heard = b.WaitForChangeAsync(Changes.ChangeTopics.AccountProfiles);
        await a.Grains.Get<IAccountGrain>("a-1").ChangeStatus(AccountStatus.Banned, "test");
        await heard;
        for (var i = 0; i < 20; i++) Assert.Equal("a-2", (await b.Service<LiveCodeService>().ScanAsync("table-cards"))!.AccountId);
    }

    [Fact]
    public async Task Going_above_a_soft_cap_is_decided_on_a_fresh_read_so_a_sibling_that_got_room_is_seen()
    {
        await using var cluster = await MatrixCluster.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await MatrixCluster.SeedPoolAsync(a.Grains, 1, new CapacitySettings { HardCap = 4, SoftCap = 2, Reserve = 0, DailyBudget = null });
        // A roomier sibling: above the soft caps it is the least filled (2 of 100 against 2 of 4), so it is preferred there.
        await a.Grains.Get<IAccountGrain>("a-2").Create(
            new AccountSettings("wx_a-2", AccountKind.PersonalWeChat, 1, "op-1", "/qr/a-2.png", new CapacitySettings { HardCap = 100, SoftCap = 2, Reserve = 0, DailyBudget = null }, Roster.AlwaysOn),
            "p-optician", AccountRole.Traffic, AccountStatus.Active, "test");
        for (var i = 0; i < 4; i++)
        {
            var scan = await b.Service<LiveCodeService>().ScanAsync("table-cards");
            Assert.Equal(FriendAddOutcome.Added, await AddAsync(b, scan!.AccountId!, $"wx-{i}"));
        }
        Assert.All(await MatrixCluster.LedgerAsync(cluster.ConnectionString), row => Assert.Equal(2, row.Friends)); // both at the soft cap

        // A customer leaves a-1 through node A: a ledger write, not a grain write, so node B hears nothing of it.
        var leaver = (await a.Service<CapacityLedger>().FriendsAsync("a-1", [])).First();
        Assert.Equal(FriendRemoveOutcome.Removed,
            await a.Service<FriendEventService>().DeletedAsync(new FriendDeletedEvent("a-1", leaver, DateTimeOffset.UtcNow, "left")));

        // Node B's view still has both at the soft cap, where it would go to a-2; but a-1 has room below its soft cap.
        var next = await b.Service<LiveCodeService>().ScanAsync("table-cards");
        Assert.Equal("a-1", next!.AccountId);
        Assert.Equal([("a-1", 1, 1), ("a-2", 2, 0)], await MatrixCluster.LedgerAsync(cluster.ConnectionString));
    }

    [Fact]
    public async Task A_refused_hold_makes_the_node_read_the_pool_again()
    {
        await using var cluster = await MatrixCluster.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await MatrixCluster.SeedPoolAsync(a.Grains, 1, new CapacitySettings { HardCap = 3, SoftCap = 3, Reserve = 0, DailyBudget = null });
        Assert.False((await b.Service<LiveCodeService>().ScanAsync("table-cards"))!.IsFull); // node B's view: one slot held of three

        Assert.False((await a.Service<LiveCodeService>().ScanAsync("table-cards"))!.IsFull);
        Assert.False((await a.Service<LiveCodeService>().ScanAsync("table-cards"))!.IsFull);
        Assert.True((await b.Service<LiveCodeService>().ScanAsync("table-cards"))!.IsFull); // its view said room; the hold said no
        Assert.Equal([("a-1", 0, 3)], await MatrixCluster.LedgerAsync(cluster.ConnectionString));
    }
}
