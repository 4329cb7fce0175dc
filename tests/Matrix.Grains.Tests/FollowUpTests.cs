using Matrix.Domain.Accounts;
using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Grains.Tasks;
using Matrix.Grains.FollowUps;
using Matrix.Testing;

namespace Matrix.Grains.Tests;

public sealed class FollowUpTests
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    // 22:00 in the store: inside the default quiet hours (21:30-09:00).
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 22, 0, 0, Shanghai));

    [Fact]
    public async Task A_lens_purchase_yields_the_cleaning_task_3_months_later_then_every_6_months_outside_quiet_hours_and_under_the_cap()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { DailyBudget = null });
        await node.Service<FriendEventService>().AddedAsync(new FriendAddedEvent("a-1", "wx-chen", _clock.GetUtcNow(), "add-1", "table-cards"));
        await node.Grains.Get<IPlanGrain>("lens-cleaning").Create(new FollowUpPlan("镜片清洗提醒", new PlanTrigger(TriggerKind.Purchase, Category: "lenses"),
            new PlanFilter(), CalendarSpan.FromMonths(3), CalendarSpan.FromMonths(6), "{nickname}您好，我是{persona_name}，您的{last_purchase}该清洗啦", new PlanEnd()));

        await node.Service<PurchaseService>().PurchaseAsync(new PurchaseEvent("order-1", 680m, _clock.GetUtcNow(),
            [new PurchaseItem("lens-1.60", 2, "lenses")], CustomerId: "wx-chen"));

        // Nothing before three months (less the hour a touch is looked at ahead of its time).
        await AdvanceAsync(cluster, new DateTimeOffset(2026, 6, 2, 20, 59, 0, Shanghai) - _clock.GetUtcNow());
        Assert.Equal(0, await node.PollRemindersOnceAsync());
        Assert.Empty(await cluster.PlanTasksAsync());

        // Three months on falls at 22:00: quiet, so the touch waits until 09:00 the next morning.
        await AdvanceAndDeliverAsync(cluster, node, TimeSpan.FromMinutes(1));
        Assert.Empty(await cluster.PlanTasksAsync());
        await AdvanceAndDeliverAsync(cluster, node, new DateTimeOffset(2026, 6, 3, 9, 0, 0, Shanghai) - _clock.GetUtcNow());
        var first = Assert.Single(await cluster.PlanTasksAsync());
        Assert.Equal(new DateTimeOffset(2026, 6, 3, 9, 0, 0, Shanghai), first.Due);
        Assert.Equal("wx-chen您好，我是眼镜店小林，您的lenses该清洗啦", first.Body);
        Assert.Equal("a-1", first.Account);

        // Then every six months from the purchase (2 December, 22:00: quiet again, so 09:00 on the 3rd).
        await AdvanceAndDeliverAsync(cluster, node, new DateTimeOffset(2026, 12, 2, 22, 0, 0, Shanghai) - _clock.GetUtcNow());
        await AdvanceAndDeliverAsync(cluster, node, new DateTimeOffset(2026, 12, 3, 9, 0, 0, Shanghai) - _clock.GetUtcNow());
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 9, 0, 0, Shanghai), (await cluster.PlanTasksAsync())[1].Due);

        // Two touches done in the week before the next one (June 2027) fill the cap: the third task waits for a free slot.
        await TouchAsync(cluster, node, new DateTimeOffset(2027, 5, 30, 10, 0, 0, Shanghai));
        await TouchAsync(cluster, node, new DateTimeOffset(2027, 6, 1, 10, 0, 0, Shanghai));
        await AdvanceAndDeliverAsync(cluster, node, new DateTimeOffset(2027, 6, 2, 22, 0, 0, Shanghai) - _clock.GetUtcNow());
        await AdvanceAndDeliverAsync(cluster, node, new DateTimeOffset(2027, 6, 6, 10, 0, 0, Shanghai) - _clock.GetUtcNow());
        var third = (await cluster.PlanTasksAsync())[2];
        Assert.Equal(new DateTimeOffset(2027, 6, 6, 10, 0, 0, Shanghai), third.Due); // when the 30 May touch leaves the 7-day window
        Assert.All(await cluster.PlanTasksAsync(), t => Assert.False(QuietHours.Default.Contains(t.Due.ToOffset(Shanghai).DateTime)));
    }

    [Fact]
    public async Task A_plan_that_ends_when_the_customer_buys_stops_after_a_purchase()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { DailyBudget = null });
        await node.Grains.Get<IPlanGrain>("invite").Create(new FollowUpPlan("到店有礼", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(Classes: [CustomerClass.A]),
            CalendarSpan.FromDays(3), null, "到店有礼", new PlanEnd(WhenBuys: true)));
        await node.Service<FriendEventService>().AddedAsync(new FriendAddedEvent("a-1", "wx-new", _clock.GetUtcNow(), "add-2", "table-cards"));
        await AdvanceAsync(cluster, TimeSpan.FromDays(1));
        await node.Service<PurchaseService>().PurchaseAsync(new PurchaseEvent("order-9", 99m, _clock.GetUtcNow(), CustomerId: "wx-new"));

        await AdvanceAndDeliverAsync(cluster, node, TimeSpan.FromDays(3));
        Assert.Empty(await cluster.PlanTasksAsync());
    }

    private Task AdvanceAsync(TestCluster cluster, TimeSpan by) => cluster.AdvanceAsync(_clock, by);

    /// <summary>An operator's task for wx-chen, done at <paramref name="at"/>: a touch the budget counts.</summary>
    private async Task TouchAsync(TestCluster cluster, TestNode node, DateTimeOffset at)
    {
        await AdvanceAsync(cluster, at - _clock.GetUtcNow());
        var id = Guid.NewGuid();
        await node.Service<TaskStore>().AddAsync(new WorkTask(id, "a-1", "wx-chen", "message", "回访", at, "manual", "open", null, null, null, null), at);
        Assert.Equal(TaskDoneOutcome.Done, await node.Service<TaskService>().DoneAsync(id, "op"));
    }

    private Task<int> AdvanceAndDeliverAsync(TestCluster cluster, TestNode node, TimeSpan by) => cluster.AdvanceAndDeliverAsync(_clock, node, by);

}
