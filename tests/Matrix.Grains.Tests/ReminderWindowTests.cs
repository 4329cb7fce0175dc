using Matrix.Testing;
using Orleans.Runtime;

namespace Matrix.Grains.Tests;

/// <summary>
/// The reminder service's range reads, through Orleans's own reminder table on the real database: only what falls
/// due within the hour (and everything already due) is loaded, in a plain range and in one that wraps around.
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
}
