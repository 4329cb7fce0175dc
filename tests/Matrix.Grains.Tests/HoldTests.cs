using Matrix.Domain.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Testing;

namespace Matrix.Grains.Tests;

/// <summary>Holding slots: many in one statement, and a burst of scans on one node sharing statements.</summary>
public sealed class HoldTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task One_statement_holds_as_many_slots_as_fit_under_the_load_limit_and_the_daily_budget()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 2, new CapacitySettings { HardCap = 10, SoftCap = 10, Reserve = 0, DailyBudget = null });
        var ledger = node.Service<CapacityLedger>();

        var (tokens, counters) = await ledger.TryReserveManyAsync("a-1", 4, null, ["c", "c", "c", "c", "c", "c"], Hold);
        Assert.Equal(4, tokens.Count);
        Assert.Equal(new LedgerRow("a-1", 10, 0, 4, 0), counters);
        Assert.Equal(([], null), await ledger.TryReserveManyAsync("a-1", 4, null, ["c"], Hold));

        Assert.Equal(FriendAddOutcome.Added, await node.Service<FriendEventService>().AddedAsync(new("a-2", "wx-1", DateTimeOffset.UtcNow, "k-1")));
        (tokens, counters) = await ledger.TryReserveManyAsync("a-2", 10, 3, ["c", "c", "c"], Hold); // one added today: two more fit the budget
        Assert.Equal(2, tokens.Count);
        Assert.Equal(new LedgerRow("a-2", 10, 1, 2, 1), counters);

        Assert.Equal([("a-1", 0, 4), ("a-2", 1, 2)], await MatrixCluster.LedgerAsync(cluster.ConnectionString));
        Assert.Equal(6, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(distinct token) from account_reservations"));
    }

    [Fact]
    public async Task A_burst_of_holds_on_one_node_gets_exactly_the_room_there_is_each_slot_once()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { HardCap = 25, SoftCap = 25, Reserve = 0, DailyBudget = null });
        var holds = node.Service<HoldBatcher>();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => holds.TryReserveAsync("a-1", 25, null, $"channel-{i % 3}", Hold))));

        var granted = results.Where(r => r is not null).Select(r => r!.Value).ToList();
        Assert.Equal(25, granted.Count);
        Assert.Equal(25, granted.Select(g => g.Token).Distinct().Count());
        Assert.All(granted, g => Assert.InRange(g.Counters.Reserved, 1, 25));
        Assert.Equal([("a-1", 0, 25)], await MatrixCluster.LedgerAsync(cluster.ConnectionString));
        Assert.Equal(25, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from account_reservations"));
    }
}
