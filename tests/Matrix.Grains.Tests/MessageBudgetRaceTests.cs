using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Grains.Tests;

/// <summary>
/// The message budget is read from the tasks under per-customer locks: campaigns' chunks and plans' single touches
/// placed at once from two nodes, for the same customers, never put more than the cap in any window, and each
/// account's daily budget holds across them.
/// </summary>
public sealed class MessageBudgetRaceTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly FrequencyCap Cap = new(2, TimeSpan.FromDays(7));

    [Fact]
    public async Task Chunks_and_single_touches_placed_at_once_from_two_nodes_keep_every_customer_within_the_cap_and_every_account_within_its_day()
    {
        await using var cluster = await MatrixCluster.StartAsync(2, new ManualTimeProvider(Now));
        var customers = Enumerable.Range(0, 120).Select(i => $"wx-race-{i:D3}").ToArray();
        // Half the campaigns send from an account with a daily budget, half and the plans from accounts without one
        // (whose placements take no account lock): only the customers' locks keep the budget.
        var budgeted = new AccountProfile { Capacity = new CapacitySettings { DailyTasks = 150 } };
        var unlimited = new AccountProfile { Capacity = new CapacitySettings { DailyTasks = null } };

        // Six campaigns (each a chunk over every customer) and every customer's plan touch, twice over, all at once.
        var work = new List<Func<Task>>();
        for (var c = 0; c < 6; c++)
        {
            var campaign = c;
            var store = cluster.Nodes[c % 2].Service<TaskStore>();
            var (sender, account) = campaign < 3 ? ("a-1", budgeted) : ("a-2", unlimited);
            work.Add(() => store.PlaceMessagesAsync([.. customers.Select(id => Request($"campaign:{campaign}", id, sender, account, campaign: true))], QuietHours.Default, Cap, Shanghai, Now));
        }
        foreach (var (id, i) in customers.Select((id, i) => (id, i)))
            for (var plan = 0; plan < 2; plan++)
            {
                var (origin, store) = ($"plan:p{plan}", cluster.Nodes[(i + plan) % 2].Service<TaskStore>());
                work.Add(() => store.PlaceMessagesAsync([Request(origin, id, "a-3", unlimited, campaign: false)], QuietHours.Default, Cap, Shanghai, Now));
            }
        var shuffled = work.ToArray();
        new Random(7).Shuffle(shuffled);
        // Sixteen at a time (as the nodes' ticks share their connection pools), so the database's other tests keep their connections.
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(shuffled.Select(w => Task.Run(async () =>
        {
            await gate.WaitAsync();
            try { await w(); }
            finally { gate.Release(); }
        })));

        var placed = await TasksAsync(cluster.ConnectionString);
        Assert.NotEmpty(placed);
        foreach (var (customer, times) in placed.GroupBy(t => t.Customer).Select(g => (g.Key, g.Select(t => t.Due).Order().ToList())))
            for (var i = 0; i + Cap.Touches < times.Count; i++)
                Assert.True(times[i + Cap.Touches] - times[i] >= Cap.Window, $"{customer}: {string.Join(", ", times)}");
        // Every customer has the two messages the budget allows in the first days, whoever won the race.
        Assert.All(customers, c => Assert.Equal(2, placed.Count(t => t.Customer == c && t.Due < Now.AddDays(4))));
        Assert.All(placed.Where(t => t.Account == "a-1").GroupBy(t => TimeZoneInfo.ConvertTime(t.Due, Shanghai).Date), day => Assert.True(day.Count() <= 150, $"{day.Key:d}: {day.Count()}"));
    }

    private static MessageRequest Request(string origin, string customer, string accountId, AccountProfile account, bool campaign)
    {
        var id = new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(origin + "\n" + customer)));
        var task = new WorkTask(id, accountId, customer, "message", origin, Now, origin, "open", null, null, null, null);
        // A campaign's message may wait three days; a plan's touch goes now or is not placed (its grain waits instead).
        return campaign
            ? new MessageRequest(task, Now, Now.AddDays(3), account, DueWhenBudgetAllows: true, KeepEarliestDue: false)
            : new MessageRequest(task, Now, Now.AddMinutes(1), account, DueWhenBudgetAllows: false, KeepEarliestDue: true);
    }

    private static async Task<List<(string Customer, string Account, DateTimeOffset Due)>> TasksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("select customer_id, account_id, due_at from tasks where customer_id like 'wx-race-%'", connection);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(string, string, DateTimeOffset)>();
        while (await r.ReadAsync()) list.Add((r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)));
        return list;
    }
}
