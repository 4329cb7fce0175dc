using System.Collections.Concurrent;
using Matrix.Domain.Accounts;
using Matrix.Grains.Capacity;
using Npgsql;

namespace Matrix.Grains.Tests;

public sealed class OverflowTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_nodes_sixteen_thousand_scans_fill_a_pool_of_three_to_exactly_fifteen_thousand()
    {
        await using var cluster = await MatrixCluster.StartAsync(3);
        var capacity = new CapacitySettings { HardCap = 5_000, SoftCap = 3_000, Reserve = 0, DailyBudget = null };
        var accounts = await MatrixCluster.SeedPoolAsync(cluster.Nodes[0].Grains, 3, capacity);

        // A sampler reads all three counters in one statement (one snapshot) as often as it can while the scans run.
        using var stop = new CancellationTokenSource();
        var violations = new ConcurrentQueue<string>();
        var samples = 0;
        var sampler = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(cluster.ConnectionString);
            await connection.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                await using var cmd = new NpgsqlCommand("select array_agg(friends + reserved) from account_ledger", connection);
                var loads = (int[])(await cmd.ExecuteScalarAsync())!;
                samples++;
                if (loads.Any(l => l > 5_000)) violations.Enqueue($"above hard cap: {string.Join(",", loads)}");
                if (loads.Any(l => l > 3_000) && loads.Any(l => l < 3_000)) violations.Enqueue($"above soft cap while a sibling is below: {string.Join(",", loads)}");
            }
        });

        var full = 0;
        var outcomes = new ConcurrentDictionary<FriendAddOutcome, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 16_000), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var scan = await cluster.Nodes[i % 3].Service<LiveCodeService>().ScanAsync("table-cards");
            if (scan!.IsFull)
            {
                Interlocked.Increment(ref full);
                return;
            }
            // The confirmation arrives on another node, as it would behind a load balancer.
            var outcome = await cluster.Nodes[(i + 1) % 3].Service<FriendEventService>().AddedAsync(
                new FriendAddedEvent(scan.AccountId!, $"wx-customer-{i}", DateTimeOffset.UtcNow, $"scan-{i}", "table-cards"));
            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        });
        await stop.CancelAsync();
        await sampler;

        var ledger = await MatrixCluster.LedgerAsync(cluster.ConnectionString);
        output.WriteLine($"full: {full}, outcomes: {string.Join(", ", outcomes)}, snapshots sampled: {samples}, ledger: {string.Join(", ", ledger)}");
        Assert.Empty(violations);
        Assert.True(samples > 10, $"the sampler ran only {samples} times");
        Assert.Equal(1_000, full);
        Assert.Equal(15_000, outcomes[FriendAddOutcome.Added]);
        Assert.Single(outcomes);
        Assert.All(ledger, row => Assert.Equal((5_000, 0), (row.Friends, row.Reserved)));
        Assert.Equal(15_000, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from account_friends where removed_at is null"));
        Assert.Equal(1, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from alerts where kind = 'pool-full' and resolved_at is null"));
    }

    [Fact]
    public async Task The_same_event_twice_changes_nothing_and_a_deletion_gives_the_slot_back()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { DailyBudget = null }, welcome: "你好，我是小林！");
        var events = node.Service<FriendEventService>();
        var at = DateTimeOffset.UtcNow.AddHours(-3); // added three hours ago, deleted an hour later

        Assert.Equal(FriendAddOutcome.Added, await events.AddedAsync(new("a-1", "wx-zhang", at, "evt-1", "table-cards")));
        Assert.Equal(FriendAddOutcome.Duplicate, await events.AddedAsync(new("a-1", "wx-zhang", at, "evt-1", "table-cards")));
        Assert.Equal(FriendAddOutcome.AlreadyFriend, await events.AddedAsync(new("a-1", "wx-zhang", at, "evt-2", "table-cards")));
        Assert.Equal((1, 0), (await MatrixCluster.LedgerAsync(cluster.ConnectionString)).Select(r => (r.Friends, r.Reserved)).Single());
        Assert.Equal(1, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from tasks where kind = 'welcome' and body = '你好，我是小林！'"));
        // An add reported three days late is a friend, but no longer one to welcome, nor one of today's adds.
        Assert.Equal(FriendAddOutcome.Added, await events.AddedAsync(new("a-1", "wx-late", DateTimeOffset.UtcNow.AddDays(-3), "evt-late", "table-cards")));
        Assert.Equal(0, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from tasks where kind = 'welcome' and customer_id = 'wx-late'"));
        var clock = node.Service<StoreClock>();
        Assert.Equal(clock.DayOf(at) == clock.Today ? 1 : 0, await MatrixCluster.CountAsync(cluster.ConnectionString, "select added_today from account_ledger where account_id = 'a-1'"));

        var customer = await node.Service<Customers.CustomerReader>().GetAsync("wx-zhang");
        Assert.Equal(("table-cards", "store-01-table"), (customer!.Source!.ChannelId, customer.Source.ChannelState));
        Assert.Equal(["walk-in"], customer.Tags);

        Assert.Equal(FriendRemoveOutcome.Removed, await events.DeletedAsync(new("a-1", "wx-zhang", at.AddHours(1), "evt-3", ByCustomer: true)));
        Assert.Equal(FriendRemoveOutcome.Duplicate, await events.DeletedAsync(new("a-1", "wx-zhang", at.AddHours(1), "evt-3", ByCustomer: true)));
        Assert.Equal(1, (await MatrixCluster.LedgerAsync(cluster.ConnectionString)).Single().Friends); // the late one stays
        Assert.True((await node.Service<Customers.CustomerReader>().GetAsync("wx-zhang"))!.Accounts.Single().RemovedByCustomer);
    }

    [Fact]
    public async Task A_reservation_that_is_never_confirmed_lapses_and_gives_its_slot_back()
    {
        var clock = new Testing.ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await MatrixCluster.StartAsync(1, clock);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { HardCap = 2, SoftCap = 2, Reserve = 0, DailyBudget = null });
        var liveCodes = node.Service<LiveCodeService>();

        Assert.False((await liveCodes.ScanAsync("table-cards"))!.IsFull);
        Assert.False((await liveCodes.ScanAsync("table-cards"))!.IsFull);
        Assert.True((await liveCodes.ScanAsync("table-cards"))!.IsFull); // two slots held: a burst cannot overfill

        clock.Advance(TimeSpan.FromMinutes(31)); // the node's own sweeper may get there first; either way they are gone after this
        await node.Service<CapacityLedger>().LapseExpiredAsync();
        Assert.Equal((0, 0), (await MatrixCluster.LedgerAsync(cluster.ConnectionString)).Select(r => (r.Friends, r.Reserved)).Single());
        Assert.False((await liveCodes.ScanAsync("table-cards"))!.IsFull);
    }

    [Fact]
    public async Task When_the_pool_is_full_the_channel_falls_back_to_its_backup_account()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        var tiny = new CapacitySettings { HardCap = 1, SoftCap = 1, Reserve = 0, DailyBudget = null };
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, tiny, backups: ["a-backup"]);
        await node.Grains.Get<Accounts.IAccountGrain>("a-backup").Create(
            new Accounts.AccountSettings("wx_backup", AccountKind.PersonalWeChat, 1, null, "/qr/backup.png", new CapacitySettings { DailyBudget = null }, Roster.AlwaysOn),
            "p-other", AccountRole.Service, AccountStatus.Active, "test");

        var first = await node.Service<LiveCodeService>().ScanAsync("table-cards");
        var second = await node.Service<LiveCodeService>().ScanAsync("table-cards");
        Assert.Equal(("a-1", false), (first!.AccountId, first.IsBackup));
        Assert.Equal(("a-backup", true, "/qr/backup.png"), (second!.AccountId, second.IsBackup, second.QrCodeUrl));
    }

    [Fact]
    public async Task A_full_account_still_answers_already_friend_and_a_full_answer_records_nothing()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 1, new CapacitySettings { HardCap = 1, SoftCap = 1, Reserve = 0, DailyBudget = null });
        var events = node.Service<FriendEventService>();
        var at = DateTimeOffset.UtcNow;

        Assert.Equal(FriendAddOutcome.Added, await events.AddedAsync(new("a-1", "wx-zhang", at, "evt-1")));
        Assert.Equal(FriendAddOutcome.AlreadyFriend, await events.AddedAsync(new("a-1", "wx-zhang", at, "evt-2")));
        Assert.Equal(FriendAddOutcome.Full, await events.AddedAsync(new("a-1", "wx-li", at, "evt-3")));
        Assert.Equal(0, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from friend_events where idempotency_key = 'evt-3'"));

        // Once there is room, the same event is accepted: "full" was not remembered as its outcome.
        Assert.Equal(FriendRemoveOutcome.Removed, await events.DeletedAsync(new("a-1", "wx-zhang", at, "evt-4")));
        Assert.Equal(FriendAddOutcome.Added, await events.AddedAsync(new("a-1", "wx-li", at, "evt-3")));
        Assert.Equal((1, 0), (await MatrixCluster.LedgerAsync(cluster.ConnectionString)).Select(r => (r.Friends, r.Reserved)).Single());
    }

    [Fact]
    public async Task One_key_for_two_accounts_at_once_counts_once_even_when_the_other_commits_mid_confirmation()
    {
        await using var cluster = await MatrixCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await MatrixCluster.SeedPoolAsync(node.Grains, 2, new CapacitySettings { DailyBudget = null });
        var at = DateTimeOffset.UtcNow;

        // Another account's event with the same key is being written: inserted, not yet committed.
        await using var other = new NpgsqlConnection(cluster.ConnectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("insert into friend_events values ('evt-race', 'added', 'a-2', 'wx-zhang', now(), 'added')", other, tx))
            await insert.ExecuteNonQueryAsync();

        // This confirmation passes the duplicate check (the row is not committed) and waits on the key's index entry.
        var confirming = node.Service<FriendEventService>().AddedAsync(new("a-1", "wx-zhang", at, "evt-race"));
        await using (var watch = new NpgsqlConnection(cluster.ConnectionString))
        {
            await watch.OpenAsync(); // its own connection: activity read inside a transaction is a snapshot that never changes
            await using var waiting = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'", watch);
            while ((long)(await waiting.ExecuteScalarAsync())! == 0 && !confirming.IsCompleted) { }
        }
        await tx.CommitAsync();

        Assert.Equal(FriendAddOutcome.Duplicate, await confirming);
        Assert.Equal([("a-1", 0, 0), ("a-2", 0, 0)], await MatrixCluster.LedgerAsync(cluster.ConnectionString));
        Assert.Equal(0, await MatrixCluster.CountAsync(cluster.ConnectionString, "select count(*) from account_friends"));
    }
}
