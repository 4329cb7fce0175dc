using Matrix.Domain.Accounts;
using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Grains.FollowUps;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Grains.Tests;

/// <summary>The state-driven triggers (weekly, no reply, a date), plan edits, the daily task budget, and failures, on a fake clock.</summary>
public sealed class FollowUpTriggerTests
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    // Monday 23 November 2026, 15:00 in the store.
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 15, 0, 0, Shanghai));

    private static FollowUpPlan Plan(PlanTrigger trigger, string template, CalendarSpan delay = default, CalendarSpan? interval = null, bool enabled = true) =>
        new("plan", trigger, new PlanFilter(), delay, interval, template, new PlanEnd(), enabled);

    private async Task<TestNode> StartAsync(TestCluster cluster, int? dailyTasks = null)
    {
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { DailyBudget = null, DailyTasks = dailyTasks });
        return node;
    }

    private Task AddFriendAsync(TestNode node, string customer) =>
        node.Service<FriendEventService>().AddedAsync(new FriendAddedEvent("a-1", customer, _clock.GetUtcNow(), "add-" + customer, "table-cards"));

    [Fact]
    public async Task A_weekly_plan_reaches_existing_and_new_customers_every_week_until_disabled()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = await StartAsync(cluster);
        await AddFriendAsync(node, "wx-a");
        await AddFriendAsync(node, "wx-b");
        var memberDay = Plan(new PlanTrigger(TriggerKind.Weekly, Day: DayOfWeek.Tuesday, At: new TimeOnly(10, 0)), "{nickname}，周二会员日到店积分翻倍");
        await node.Service<FollowUpService>().CreatePlanAsync("member-day", memberDay);
        await AddFriendAsync(node, "wx-c");

        await AdvanceAndDeliverAsync(cluster, node, At(11, 24, 10) - _clock.GetUtcNow());
        Assert.Equal(["wx-a", "wx-b", "wx-c"], (await cluster.PlanTasksAsync()).Where(t => t.Due == At(11, 24, 10)).Select(t => t.Customer).Order());
        await AdvanceAndDeliverAsync(cluster, node, TimeSpan.FromDays(7));
        Assert.Equal(3, (await cluster.PlanTasksAsync()).Count(t => t.Due == At(12, 1, 10)));

        await node.Service<FollowUpService>().UpdatePlanAsync("member-day", memberDay with { Enabled = false });
        await node.RemindersIdleAsync(); // the edit reaches the customers in the background (the plan's rollout)
        Assert.Empty(await cluster.RemindersAsync("plan:member-day"));
        await AdvanceAsync(cluster, TimeSpan.FromDays(7));
        Assert.Equal(0, await node.PollRemindersOnceAsync());
        Assert.Equal(6, (await cluster.PlanTasksAsync()).Count);
    }

    [Fact]
    public async Task A_state_plan_reaches_every_current_customer_in_chunks_after_the_save_returns()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = await StartAsync(cluster);
        var customers = PlanRolloutGrain.Chunk * 2 + 50; // three chunks
        for (var i = 0; i < customers; i++) await AddFriendAsync(node, $"wx-{i:D4}");

        var memberDay = Plan(new PlanTrigger(TriggerKind.Weekly, Day: DayOfWeek.Tuesday, At: new TimeOnly(10, 0)), "周二会员日");
        await node.Service<FollowUpService>().CreatePlanAsync("member-day", memberDay);
        await node.RemindersIdleAsync();

        Assert.Equal(customers, (await cluster.RemindersAsync("plan:member-day")).Count);
        Assert.Empty(await cluster.RemindersAsync("rollout"));
        Assert.False(await node.Grains.Get<IPlanRolloutGrain>("member-day").IsRunning());
        Assert.Equal(new RolloutProgress(RolloutStep.Done, customers, customers), await node.Grains.Get<IPlanRolloutGrain>("member-day").Progress());
    }

    [Fact]
    public async Task No_reply_counts_from_the_last_message_and_a_reply_starts_the_clock_again()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = await StartAsync(cluster);
        await node.Service<FollowUpService>().CreatePlanAsync("wake-up", Plan(new PlanTrigger(TriggerKind.NoReply, Days: 14), "好久不见，最近眼睛还好吗？"));
        await cluster.RemindersIdleAsync(); // the plan's rollout (a reminder due at once) has run
        await AddFriendAsync(node, "wx-a");

        await AdvanceAsync(cluster, TimeSpan.FromDays(5));
        await node.Service<MessageService>().ReceivedAsync(new MessageReceivedEvent("a-1", "wx-a", _clock.GetUtcNow()));

        await AdvanceAsync(cluster, At(12, 7, 15) - _clock.GetUtcNow()); // 14 days after the add: they replied since
        Assert.Equal(0, await node.PollRemindersOnceAsync());
        Assert.Empty(await cluster.PlanTasksAsync());

        await AdvanceAndDeliverAsync(cluster, node, At(12, 12, 15) - _clock.GetUtcNow()); // 14 days after the reply
        Assert.Equal(At(12, 12, 15), Assert.Single(await cluster.PlanTasksAsync()).Due);
    }

    [Fact]
    public async Task A_birthday_plan_starts_when_the_date_is_written_and_comes_back_every_year()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = await StartAsync(cluster);
        await node.Service<FollowUpService>().CreatePlanAsync("birthday",
            Plan(new PlanTrigger(TriggerKind.BeforeAttributeDate, Attribute: "birthday", Days: 7, Yearly: true), "{nickname}，下周{birthday}生日，到店领生日礼"));
        await cluster.RemindersIdleAsync(); // the plan's rollout (a reminder due at once) has run
        await AddFriendAsync(node, "wx-a");
        Assert.Empty(await Reminders.ListAsync(cluster.ConnectionString)); // no date yet

        var birthday = new Dictionary<string, string> { ["birthday"] = "1990-12-05" };
        Assert.True(await node.Service<CustomerProfileService>().UpdateAsync("wx-a", new CustomerProfile("王女士", Attributes: birthday), "lead-1"));

        // Midnight seven days before falls in quiet hours: the touch waits until 09:00.
        await AdvanceAndDeliverAsync(cluster, node, At(11, 28, 0) - _clock.GetUtcNow());
        await AdvanceAndDeliverAsync(cluster, node, At(11, 28, 9) - _clock.GetUtcNow());
        var first = Assert.Single(await cluster.PlanTasksAsync());
        Assert.Equal((At(11, 28, 9), "王女士，下周1990-12-05生日，到店领生日礼"), (first.Due, first.Body));

        await AdvanceAndDeliverAsync(cluster, node, new DateTimeOffset(2027, 11, 28, 0, 0, 0, Shanghai) - _clock.GetUtcNow());
        await AdvanceAndDeliverAsync(cluster, node, TimeSpan.FromHours(9));
        Assert.Equal(new DateTimeOffset(2027, 11, 28, 9, 0, 0, Shanghai), (await cluster.PlanTasksAsync())[1].Due);
    }

    [Fact]
    public async Task Editing_a_plan_moves_every_pending_touch_and_disabling_it_removes_them()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = await StartAsync(cluster);
        var lens = Plan(new PlanTrigger(TriggerKind.Purchase, Category: "lenses"), "该清洗镜片啦", CalendarSpan.FromMonths(3), CalendarSpan.FromMonths(6));
        var followUps = node.Service<FollowUpService>();
        await followUps.CreatePlanAsync("lens", lens);
        await cluster.RemindersIdleAsync(); // the plan's rollout (a reminder due at once) has run
        foreach (var customer in new[] { "wx-a", "wx-b" })
        {
            await AddFriendAsync(node, customer);
            await node.Service<PurchaseService>().PurchaseAsync(new PurchaseEvent("o-" + customer, 680m, _clock.GetUtcNow(), [new PurchaseItem("lens", 2, "lenses")], CustomerId: customer));
        }
        Assert.Equal([On(2027, 2, 23, 15), On(2027, 2, 23, 15)], await PendingAsync(cluster, "plan:lens"));

        await followUps.UpdatePlanAsync("lens", lens with { Delay = CalendarSpan.FromMonths(1) });
        await node.RemindersIdleAsync(); // the edit reaches the customers in the background (the plan's rollout)
        Assert.Equal([At(12, 23, 15), At(12, 23, 15)], await PendingAsync(cluster, "plan:lens"));

        await followUps.UpdatePlanAsync("lens", lens with { Enabled = false });
        await node.RemindersIdleAsync();
        Assert.Empty(await PendingAsync(cluster, "plan:lens"));
        Assert.Empty((await node.Grains.Get<ICustomerGrain>("wx-a").Get()).Plans);
    }

    [Fact]
    public async Task Tasks_over_an_accounts_daily_budget_carry_to_the_next_morning_in_due_order()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var node = await StartAsync(cluster, dailyTasks: 2);
        await node.Service<FollowUpService>().CreatePlanAsync("welcome-back", Plan(new PlanTrigger(TriggerKind.FriendAdded), "欢迎再来店里", CalendarSpan.FromDays(1)));
        await cluster.RemindersIdleAsync(); // the plan's rollout (a reminder due at once) has run
        foreach (var customer in new[] { "wx-a", "wx-b", "wx-c" })
        {
            await AddFriendAsync(node, customer);
            await AdvanceAsync(cluster, TimeSpan.FromMinutes(10));
        }

        Assert.Equal(3, await AdvanceAndDeliverAsync(cluster, node, At(11, 24, 16) - _clock.GetUtcNow()));
        var tasks = await cluster.PlanTasksAsync();
        Assert.Equal([("wx-a", At(11, 24, 15)), ("wx-b", At(11, 24, 15, 10)), ("wx-c", At(11, 25, 9))], tasks.Select(t => (t.Customer, t.Due)).Order());

        // Wednesday's queue starts with the carried task, ahead of the day's own follow-ups.
        var queue = await node.Service<TaskStore>().DueAsync(["a-1"], At(11, 26, 0));
        Assert.Equal(["wx-a", "wx-b", "wx-c"], queue.Select(t => t.CustomerId));
    }

    [Fact]
    public async Task A_restart_and_a_node_dying_mid_delivery_lose_no_follow_up_and_duplicate_none()
    {
        const int customers = 20;
        await using var cluster = await MatrixCluster.StartAsync(2, _clock);
        var node = await StartAsync(cluster);
        await node.Service<FollowUpService>().CreatePlanAsync("day-one", Plan(new PlanTrigger(TriggerKind.FriendAdded), "昨天到店感觉如何？", CalendarSpan.FromDays(1)));
        await cluster.RemindersIdleAsync(); // the plan's rollout (a reminder due at once) has run
        var ids = Enumerable.Range(0, customers).Select(i => $"wx-{i:00}").ToList();
        foreach (var id in ids) await AddFriendAsync(node, id);

        // Every node stops: a restart. While they are down, the follow-ups fall due.
        foreach (var n in cluster.Nodes.ToList()) await cluster.StopNodeAsync(n);
        _clock.Advance(TimeSpan.FromDays(1));

        // A node made the first five tasks and died before it recorded any touch as handed out: the reminders
        // are all still in the table, due.
        Assert.Equal(customers, (await cluster.RemindersAsync("plan:day-one")).Count(r => r.Due <= _clock.GetUtcNow()));
        var a = await cluster.StartNodeAsync();
        var b = await cluster.StartNodeAsync();
        foreach (var id in ids.Take(5))
            await a.Service<TaskStore>().AddAsync(new WorkTask(CustomerGrain.TaskId(id, "day-one", 0), "a-1", id, "message", "昨天到店感觉如何？", _clock.GetUtcNow(),
                "plan:day-one", "open", null, null, null, null), _clock.GetUtcNow());

        // Both nodes deliver every due tick (as two reminder services that both think they own them would).
        await Task.WhenAll(a.DeliverDueAsync(), b.DeliverDueAsync());

        var tasks = await cluster.PlanTasksAsync();
        Assert.Equal(ids, tasks.Select(t => t.Customer).Order());
        Assert.Empty(await Reminders.ListAsync(cluster.ConnectionString));
        Assert.Equal(customers, (await cluster.PlanTasksAsync()).Count);
    }

    private static DateTimeOffset At(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, Shanghai);

    private static DateTimeOffset On(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, Shanghai);

    private Task AdvanceAsync(TestCluster cluster, TimeSpan by) => cluster.AdvanceAsync(_clock, by);

    private Task<int> AdvanceAndDeliverAsync(TestCluster cluster, TestNode node, TimeSpan by) => cluster.AdvanceAndDeliverAsync(_clock, node, by);

    // The touches pending: each one's reminder fires the follow-up lead (an hour by default) before it.
    private static async Task<List<DateTimeOffset>> PendingAsync(TestCluster cluster, string name) =>
        (await cluster.RemindersAsync(name)).Select(r => r.Due + new MatrixOptions().FollowUpLead).ToList();

}
