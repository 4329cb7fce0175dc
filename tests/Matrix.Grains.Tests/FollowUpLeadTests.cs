using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Grains.FollowUps;
using Matrix.Testing;

namespace Matrix.Grains.Tests;

/// <summary>
/// Follow-ups are placed on their account's queue an hour ahead (Matrix:FollowUpLead, the default), with every rule
/// applied as of the touch's own time, and taken back when the plan ends before the touch is due.
/// </summary>
public sealed class FollowUpLeadTests
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, Shanghai));

    private async Task<(TestCluster Cluster, TestNode Node, ICustomerGrain Customer)> StartAsync(FollowUpPlan plan)
    {
        var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { DailyBudget = null });
        await node.Grains.Get<IPlanGrain>("welcome").Create(plan);
        await node.Service<FriendEventService>().AddedAsync(new FriendAddedEvent("a-1", "wx-zhou", _clock.GetUtcNow(), "add-1", "table-cards"));
        return (cluster, node, node.Grains.Get<ICustomerGrain>("wx-zhou"));
    }

    private Task AdvanceToAsync(TestCluster cluster, TestNode node, DateTimeOffset at) => cluster.AdvanceAndDeliverAsync(_clock, node, at - _clock.GetUtcNow());

    [Fact]
    public async Task A_touch_is_on_the_queue_an_hour_before_its_time_and_taken_back_when_the_customer_replies_before_it()
    {
        var (cluster, node, customer) = await StartAsync(new FollowUpPlan("三日问候", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(),
            CalendarSpan.FromDays(1), null, "{nickname}您好", new PlanEnd(WhenReplies: true)));
        await using (cluster)
        {
            var due = new DateTimeOffset(2026, 3, 3, 10, 0, 0, Shanghai);
            await AdvanceToAsync(cluster, node, due - TimeSpan.FromMinutes(62));
            Assert.Empty(await cluster.PlanTasksAsync());

            // An hour ahead: the task is there, due at its own time.
            await AdvanceToAsync(cluster, node, due - TimeSpan.FromMinutes(59));
            var staged = Assert.Single(await cluster.PlanTasksAsync());
            Assert.Equal(due, staged.Due);
            Assert.Equal((await customer.Get()).BookedAt, [due]);

            // The customer writes first: the plan ends, and the task nobody has done yet goes with it.
            await customer.RecordMessage(due - TimeSpan.FromMinutes(30));
            Assert.Empty(await cluster.PlanTasksAsync());
            Assert.Empty((await customer.Get()).BookedAt);
            await AdvanceToAsync(cluster, node, due + TimeSpan.FromHours(2));
            Assert.Empty(await cluster.PlanTasksAsync());
        }
    }

    [Fact]
    public async Task A_touch_falling_in_quiet_hours_is_placed_the_hour_before_the_morning_and_a_reply_after_its_time_leaves_it()
    {
        // Added at 10:00; twelve hours on is 22:00, inside quiet hours (21:30-09:00): the touch belongs at 09:00.
        var (cluster, node, customer) = await StartAsync(new FollowUpPlan("晚间问候", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(),
            new CalendarSpan(0, 0, TimeSpan.FromHours(12)), null, "{nickname}晚上好", new PlanEnd(WhenReplies: true)));
        await using (cluster)
        {
            await AdvanceToAsync(cluster, node, new DateTimeOffset(2026, 3, 2, 21, 30, 0, Shanghai));
            Assert.Empty(await cluster.PlanTasksAsync()); // looked at, an hour ahead of 22:00, and moved to the morning

            await AdvanceToAsync(cluster, node, new DateTimeOffset(2026, 3, 3, 7, 58, 0, Shanghai));
            Assert.Empty(await cluster.PlanTasksAsync());
            await AdvanceToAsync(cluster, node, new DateTimeOffset(2026, 3, 3, 8, 1, 0, Shanghai));
            var staged = Assert.Single(await cluster.PlanTasksAsync());
            Assert.Equal(new DateTimeOffset(2026, 3, 3, 9, 0, 0, Shanghai), staged.Due);

            // Once its time has come the task is someone's work: a reply then leaves it where it is.
            await AdvanceToAsync(cluster, node, new DateTimeOffset(2026, 3, 3, 9, 5, 0, Shanghai));
            await customer.RecordMessage(_clock.GetUtcNow());
            Assert.Single(await cluster.PlanTasksAsync());
        }
    }

    [Fact]
    public async Task Turning_a_plan_off_takes_back_the_touch_placed_ahead_and_frees_its_booking()
    {
        var plan = new FollowUpPlan("三日问候", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(), CalendarSpan.FromDays(1), null, "{nickname}您好", new PlanEnd());
        var (cluster, node, customer) = await StartAsync(plan);
        await using (cluster)
        {
            var due = new DateTimeOffset(2026, 3, 3, 10, 0, 0, Shanghai);
            await AdvanceToAsync(cluster, node, due - TimeSpan.FromMinutes(30));
            Assert.Single(await cluster.PlanTasksAsync());

            await node.Service<FollowUpService>().UpdatePlanAsync("welcome", plan with { Enabled = false });
            await node.RemindersIdleAsync(); // the rollout reaches the customer
            Assert.Empty(await cluster.PlanTasksAsync());
            Assert.Empty((await customer.Get()).BookedAt);
        }
    }
}
