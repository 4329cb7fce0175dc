using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Capacity;
using Matrix.Grains.FollowUps;
using Matrix.Testing;
using Npgsql;
using Orleans.Runtime;

namespace Matrix.Grains.Tests;

/// <summary>
/// The reminder service's range reads, through Orleans's own reminder table on the real database: only what falls
/// due within the hour (and everything already due) is loaded, in a plain range and in one that wraps around; and
/// wake-ups months ahead, written many to a statement beside Orleans, are rows Orleans reads, moves and removes.
/// </summary>
public sealed class ReminderWindowTests
{
    [Fact]
    public async Task A_range_read_returns_what_is_due_within_the_hour_and_leaves_the_later_ones_for_a_later_refresh()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var table = cluster.Nodes[0].Service<IReminderTable>();
        var now = DateTime.UtcNow;
        var starts = new Dictionary<string, DateTime>
        {
            ["due-days-ago"] = now.AddDays(-3),
            ["due-now"] = now,
            ["in-ten-minutes"] = now.AddMinutes(10),
            ["in-fifty-minutes"] = now.AddMinutes(50),
            ["in-two-hours"] = now.AddHours(2),
            ["in-a-month"] = now.AddDays(30),
        };
        var grains = starts.Keys.ToDictionary(name => name, name => GrainId.Create("customer", name));
        foreach (var (name, start) in starts)
            await table.UpsertRow(new ReminderEntry { GrainId = grains[name], ReminderName = "plan:x", StartAt = start, Period = TimeSpan.FromMinutes(1) });
        string[] loaded = ["due-days-ago", "due-now", "in-ten-minutes", "in-fifty-minutes"];

        // A range that wraps around the ring and meets itself covers every hash.
        var everything = await table.ReadRows(12345u, 12345u);
        Assert.Equal(loaded.Order(), everything.Reminders.Select(r => r.GrainId.Key.ToString()!).Order());

        // A plain range around each grain's own hash returns that grain only while it is due within the hour.
        foreach (var (name, grain) in grains)
        {
            var hash = grain.GetUniformHashCode();
            var around = await table.ReadRows(hash - 1, hash);
            Assert.Equal(loaded.Contains(name), around.Reminders.Any(r => r.GrainId == grain));
        }

        // Once the later ones' time comes they are read like the rest: the row itself is untouched.
        Assert.NotNull(await table.ReadRow(grains["in-a-month"], "plan:x"));
    }

    [Fact]
    public async Task Touches_months_ahead_are_armed_beside_Orleans_with_rows_it_reads_moves_and_removes_as_its_own()
    {
        // Today, not a date in the past: the range reads measure "ahead" by the database's clock.
        var today = DateTimeOffset.UtcNow;
        var clock = new ManualTimeProvider(new DateTimeOffset(today.Year, today.Month, today.Day, today.Hour, today.Minute, today.Second, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(8)));
        await using var cluster = await MatrixCluster.StartAsync(1, clock);
        var node = cluster.Nodes[0];
        var table = node.Service<IReminderTable>();
        await MatrixCluster.SeedPoolAsync(node.Grains, 2, new CapacitySettings { DailyBudget = null, DailyTasks = null });
        var plan = new FollowUpPlan("三个月回访", new PlanTrigger(TriggerKind.FriendAdded), new PlanFilter(), new CalendarSpan(3, 0, TimeSpan.Zero), null, "您好", new PlanEnd());
        await node.Service<FollowUpService>().CreatePlanAsync("quarter", plan);
        await node.RemindersIdleAsync();
        var customers = Enumerable.Range(0, 60).Select(i => $"wx-{i:D3}").ToList();
        var added = clock.GetUtcNow();
        await Task.WhenAll(customers.Select(c =>
            node.Service<FriendEventService>().AddedAsync(new FriendAddedEvent("a-1", c, added, "add-" + c, "table-cards"))));

        // Each row is keyed, hashed and versioned as Orleans's upsert keys it, an hour (the lead) before the touch.
        var lead = new MatrixOptions().FollowUpLead;
        foreach (var c in customers)
        {
            var grain = GrainId.Create("customer", c);
            var entry = await table.ReadRow(grain, "plan:quarter");
            Assert.NotNull(entry);
            Assert.Equal((added.AddMonths(3) - lead).UtcDateTime, entry.StartAt);
            Assert.Equal((TimeSpan.FromMinutes(1), "0"), (entry.Period, entry.ETag));
            Assert.DoesNotContain((await table.ReadRows(grain.GetUniformHashCode() - 1, grain.GetUniformHashCode())).Reminders, r => r.GrainId == grain);
        }
        // The hash a range read selects by is Orleans's own: a row Orleans writes for the same grain gets the same.
        var probe = GrainId.Create("customer", customers[0]);
        await table.UpsertRow(new ReminderEntry { GrainId = probe, ReminderName = "probe", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
        Assert.Equal(1L, await ScalarAsync(cluster.ConnectionString,
            "select count(distinct grainhash) from orleansreminderstable where grainid = $1", probe.ToString()));
        await table.RemoveRow(probe, "probe", "0");

        // The rollout finds each customer's run where the grain stored it, without waking the customer.
        var stored = await node.Service<StoredRuns>().ReadAsync(customers, "quarter");
        Assert.Equal(customers, stored.Keys.Order());
        Assert.All(stored.Values, run => Assert.Equal((added, 0, (DateTimeOffset?)null), (run.Anchor, run.Occurrence, run.PostponedTo)));

        // An edit moves every row (the plan's rollout, many customers at once); turning the plan off removes them
        // through Orleans's own unregister, which reads each row's version.
        await node.Service<FollowUpService>().UpdatePlanAsync("quarter", plan with { Delay = new CalendarSpan(4, 0, TimeSpan.Zero) });
        await node.RemindersIdleAsync();
        var moved = await cluster.RemindersAsync("plan:quarter");
        Assert.Equal(customers, moved.Select(r => r.Key).Order());
        Assert.All(moved, r => Assert.Equal(added.AddMonths(4) - lead, r.Due));
        Assert.Equal("1", (await table.ReadRow(GrainId.Create("customer", customers[0]), "plan:quarter"))!.ETag);
        await node.Service<FollowUpService>().UpdatePlanAsync("quarter", plan with { Enabled = false });
        await node.RemindersIdleAsync();
        Assert.Empty(await cluster.RemindersAsync("plan:quarter"));
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql, string parameter)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = parameter });
        return await cmd.ExecuteScalarAsync();
    }
}
