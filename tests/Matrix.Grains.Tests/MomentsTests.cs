using Matrix.Domain.Accounts;
using Matrix.Domain.Moments;
using Matrix.Grains.Moments;
using Matrix.Grains.Tasks;
using Matrix.Testing;

namespace Matrix.Grains.Tests;

public sealed class MomentsTests
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, Shanghai));

    [Fact]
    public async Task A_post_for_a_persona_with_three_siblings_yields_exactly_three_tasks_at_its_time_even_across_a_restart()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var ids = await MatrixCluster.SeedPoolAsync(cluster.Nodes[0].Grains, 3, new CapacitySettings());
        var planned = new DateTimeOffset(2026, 11, 23, 12, 0, 0, Shanghai);
        await cluster.Nodes[0].Grains.Get<ICalendarGrain>("p-optician").Plan("post-1", new MomentPost("护眼小知识：每用眼40分钟，远眺5分钟。", PostCategory.Expertise, planned));

        await cluster.StopNodeAsync(cluster.Nodes[0]); // the node that planned it is gone before the post is due
        var node = await cluster.StartNodeAsync();
        Assert.Equal(1, await cluster.AdvanceAndDeliverAsync(_clock, node, planned - _clock.GetUtcNow()));

        var copies = await node.Service<TaskStore>().ByOriginAsync("post:post-1");
        Assert.Equal(ids, copies.Select(c => c.AccountId).Order());
        Assert.All(copies, c => Assert.Equal(("moments", planned), (c.Kind, c.DueAt)));
        Assert.Equal(0, await node.PollRemindersOnceAsync()); // nothing left to deliver
        Assert.Equal(3, (await node.Service<TaskStore>().ByOriginAsync("post:post-1")).Count);

        // Done on one phone; the others show late once the two-hour grace is over.
        await node.Service<TaskService>().DoneAsync(copies[0].Id, "op-1");
        _clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        var statuses = (await node.Service<TaskStore>().ByOriginAsync("post:post-1"))
            .Select(c => PostCopies.Status(c, _clock.GetUtcNow(), TimeSpan.FromHours(2))).Order().ToList();
        Assert.Equal(["done", "late", "late"], statuses);
    }

    [Fact]
    public async Task A_node_that_dies_while_publishing_leaves_its_post_to_another_node_and_no_copy_is_made_twice()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, _clock);
        var ids = await MatrixCluster.SeedPoolAsync(cluster.Nodes[0].Grains, 3, new CapacitySettings());
        var planned = new DateTimeOffset(2026, 11, 23, 12, 0, 0, Shanghai);
        const string text = "午休时间，闭眼休息两分钟。";
        await cluster.Nodes[0].Grains.Get<ICalendarGrain>("p-optician").Plan("post-2", new MomentPost(text, PostCategory.Expertise, planned));
        await cluster.StopNodeAsync(cluster.Nodes[0]);
        _clock.Advance(planned - _clock.GetUtcNow());

        // A node took the tick, wrote the first sibling's copy, and died: the reminder is still due in the table.
        Assert.Single(await cluster.RemindersAsync("post:post-2"));
        var survivor = await cluster.StartNodeAsync();
        await survivor.Service<TaskStore>().AddAsync(new WorkTask(CalendarGrain.CopyId("post-2", ids[0]), ids[0], null, "moments", text, planned,
            "post:post-2", "open", null, null, null, null), _clock.GetUtcNow());
        Assert.Single(await survivor.Service<TaskStore>().ByOriginAsync("post:post-2"));

        // The tick comes again (on the node that now owns it), and is delivered twice more for good measure.
        Assert.Equal(1, await survivor.DeliverDueAsync());
        await survivor.Grains.GetGrain<IRemindable>(survivor.Grains.Get<ICalendarGrain>("p-optician").GetGrainId())
            .ReceiveReminder("post:post-2", new TickStatus(planned.UtcDateTime, TimeSpan.FromMinutes(1), _clock.GetUtcNow().UtcDateTime));

        var copies = await survivor.Service<TaskStore>().ByOriginAsync("post:post-2");
        Assert.Equal(ids, copies.Select(c => c.AccountId).Order());
        Assert.All(copies, c => Assert.Equal((text, planned), (c.Body, c.DueAt)));
        Assert.Empty(await Reminders.ListAsync(cluster.ConnectionString));
        Assert.True((await survivor.Grains.Get<ICalendarGrain>("p-optician").Get()).Posts["post-2"].Published);
    }
}
