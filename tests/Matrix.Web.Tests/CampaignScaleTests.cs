using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// A campaign to 5,000 customers, 1,000 of whom already had two messages this week (500 early in the week, 500 the
/// day before): the first 500 wait for the day the budget allows, the other 500 are skipped because that day falls
/// after the three days a message may wait, every other recipient gets exactly one task at the campaign's time, and no
/// customer has more than two messages in any seven days.
/// </summary>
public sealed class CampaignScaleTests() : ReportScript("campaign_scale")
{
    private const int Customers = 5_000;

    [Fact]
    public async Task Five_thousand_recipients_get_one_message_each_within_the_budget_or_wait_or_are_skipped_with_the_reason()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var accounts = new List<string>();
        for (var i = 0; i < 4; i++)
            accounts.Add(await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
                settings = new { weChatId = $"wx_{i}", kind = "PersonalWeChat", capacity = new { hardCap = 2_000, softCap = 1_500, reserve = 0, dailyTasks = (int?)null } } }));
        await CreateAsync("/api/channels", new { id = "poster", channel = new { name = "门店海报", state = "s-poster", personaId = persona } });
        string Customer(int i) => $"k{i:D4}";
        string AccountOf(int i) => accounts[i % 4];
        await Parallel.ForEachAsync(Enumerable.Range(0, Customers), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) => await AddAsync(AccountOf(i), Customer(i), "poster"));
        var segment = await CreateAsync("/api/segments", new { name = "海报来的客户", predicate = new { field = "channel", @in = new[] { "poster" } } });

        // Every fifth customer had two messages this week: the first half on Wednesday July 1st, the rest on Sunday the 5th.
        var early = Enumerable.Range(0, Customers).Where(i => i % 5 == 0).Take(500).ToHashSet();
        var late = Enumerable.Range(0, Customers).Where(i => i % 5 == 0).Skip(500).ToHashSet();
        Assert.Equal(500, late.Count);
        await TwoMessagesAsync(early, Customer, AccountOf);
        await AtAsync(7, 5);
        await TwoMessagesAsync(late, Customer, AccountOf);
        await AtAsync(7, 6, 10);
        await WaitAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() == Customers);

        var campaign = await CreateAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "{nickname}，会员日到了", schedule = new { repeat = "Once" } });
        await WaitAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}")).GetProperty("status").GetString() == "done", minutes: 5);

        var outcomes = new Dictionary<string, (string Status, string? Reason, DateTimeOffset? Due, int Tasks)>();
        await using var db = NpgsqlDataSource.Create(_app.ConnectionString);
        await using (var cmd = db.CreateCommand("""
            select r.customer_id, r.status, r.reason, t.due_at, (select count(*)::int from tasks x where x.customer_id = r.customer_id and x.origin like 'campaign:%')
              from campaign_recipients r left join tasks t on t.id = r.task_id where r.campaign_id = $1
            """))
        {
            cmd.Parameters.AddWithValue(campaign);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                outcomes[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3), r.GetInt32(4));
        }
        Assert.Equal(Customers, outcomes.Count);
        var wrong = new List<string>();
        var campaignTime = new DateTimeOffset(2026, 7, 6, 10, 0, 0, Beijing);
        var weekAfterFirst = new DateTimeOffset(2026, 7, 8, 10, 0, 0, Beijing); // July 1st's first message a week old
        for (var i = 0; i < Customers; i++)
        {
            var o = outcomes[Customer(i)];
            var expected = early.Contains(i) ? ("deferred", (string?)null, (DateTimeOffset?)weekAfterFirst, 1)
                : late.Contains(i) ? ("skipped", "over_budget", null, 0)
                : ("placed", null, campaignTime, 1);
            if (o != expected) wrong.Add($"{Customer(i)}: {o}, wanted {expected}");
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} recipients wrong, e.g. {string.Join("; ", wrong.Take(5))}");

        // No customer has more than two messages (sent, or booked on a queue) in any seven days.
        var over = (long)(await db.CreateCommand("""
            with m as (select customer_id, coalesce(done_at, due_at) as at from tasks where customer_id like 'k%' and status in ('open', 'done'))
            select count(*) from m a where (select count(*) from m b where b.customer_id = a.customer_id and b.at >= a.at and b.at < a.at + interval '7 days') > 2
            """).ExecuteScalarAsync())!;
        Assert.Equal(0L, over);
        var results = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/results");
        Assert.Equal("over_budget 500", string.Join(", ", results.GetProperty("skippedBy").EnumerateObject().Select(p => $"{p.Name} {p.Value}")));
        Assert.Equal((Customers, 4_500, 500), (results.GetProperty("accounts").EnumerateArray().Sum(a => a.GetProperty("recipients").GetInt32()),
            results.GetProperty("accounts").EnumerateArray().Sum(a => a.GetProperty("placed").GetInt32()), results.GetProperty("accounts").EnumerateArray().Sum(a => a.GetProperty("deferred").GetInt32())));
    }

    // Two messages done a minute apart for each customer, as an operator marks them done.
    private async Task TwoMessagesAsync(IEnumerable<int> customers, Func<int, string> customer, Func<int, string> account)
    {
        var store = _app.Services.GetRequiredService<TaskStore>();
        var done = _app.Services.GetRequiredService<TaskService>();
        for (var round = 0; round < 2; round++)
        {
            await Parallel.ForEachAsync(customers, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                var id = Guid.NewGuid();
                var now = _clock.GetUtcNow();
                await store.AddAsync(new WorkTask(id, account(i), customer(i), "message", "回访", now, "manual", "open", null, null, null, null), now);
                Assert.Equal(TaskDoneOutcome.Done, await done.DoneAsync(id, "op"));
            });
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, int minutes = 2)
    {
        var deadline = DateTime.UtcNow.AddMinutes(minutes);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"condition not met in {minutes} minutes");
            await Task.Delay(100);
        }
    }
}
