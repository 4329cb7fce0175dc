using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;
using Matrix.Domain.Moments;
using Matrix.Grains.Capacity;
using Matrix.Grains.FollowUps;
using Matrix.Grains.Moments;
using Matrix.Grains.Tasks;
using Matrix.Testing;

namespace Matrix.Grains.Tests;

/// <summary>
/// Orleans's own reminder service on the real clock: the silo holding the grains and their reminders is killed just
/// before they fall due, and the survivor, once the cluster has declared the dead silo dead and taken over its
/// reminder ranges, delivers every follow-up and every Moments copy exactly once.
/// </summary>
public sealed class SiloFailureTests
{
    [Fact]
    public async Task Follow_ups_and_moments_copies_come_once_from_the_survivor_when_their_silo_is_killed()
    {
        // Quiet hours would move a touch or refuse a post by the hour the test runs at: the rule is not what is tested.
        await using var cluster = await MatrixCluster.StartAsync(2, configure: o => (o.QuietFrom, o.QuietTo) = (TimeOnly.MinValue, TimeOnly.MinValue));
        var (doomed, survivor) = (cluster.Nodes[0], cluster.Nodes[1]);
        var siblings = await MatrixCluster.SeedPoolAsync(doomed.Grains, 3, new CapacitySettings { DailyBudget = null, DailyTasks = null });
        await doomed.Service<FollowUpService>().CreatePlanAsync("soon", new FollowUpPlan("soon", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(),
            new CalendarSpan(0, 0, TimeSpan.FromSeconds(20)), null, "欢迎", new PlanEnd()));
        await doomed.RemindersIdleAsync();
        var customers = Enumerable.Range(0, 10).Select(i => $"wx-{i}").ToList();
        foreach (var c in customers)
            await doomed.Service<FriendEventService>().AddedAsync(new FriendAddedEvent("a-1", c, DateTimeOffset.UtcNow, "add-" + c, "table-cards"));
        var planned = DateTimeOffset.UtcNow.AddSeconds(20);
        await doomed.Grains.Get<ICalendarGrain>("p-optician").SetRules(new CalendarRules(Quiet: new QuietHours(TimeOnly.MinValue, TimeOnly.MinValue)));
        await doomed.Grains.Get<ICalendarGrain>("p-optician").Plan("post-k", new MomentPost("午休闭眼两分钟", PostCategory.Expertise, planned));

        await cluster.KillNodeAsync(doomed);

        var limit = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while ((await survivor.Service<TaskStore>().ByOriginAsync("post:post-k")).Count < 3 || (await cluster.PlanTasksAsync()).Count < customers.Count)
        {
            Assert.True(DateTime.UtcNow < limit, "the survivor did not deliver the dead silo's reminders");
            await Task.Delay(500);
        }
        await survivor.RemindersIdleAsync();

        Assert.Equal(siblings, (await survivor.Service<TaskStore>().ByOriginAsync("post:post-k")).Select(t => t.AccountId).Order());
        Assert.Equal(customers, (await cluster.PlanTasksAsync()).Select(t => t.Customer).Order());
        Assert.Empty(await Reminders.ListAsync(cluster.ConnectionString, "post:post-k"));
        Assert.Empty(await Reminders.ListAsync(cluster.ConnectionString, "plan:soon"));
    }
}
