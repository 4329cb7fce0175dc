using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Customers;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// Campaigns on a fake clock (Beijing store, UTC server): a member-day message to a tag segment reaches each customer
/// on the account holding them (of two, the one they last wrote to), waits for room in the one message budget or is
/// skipped with the reason, holds back a plan's touch after it, and reports what came of it per account; a weekly
/// campaign freezes its audience again at each occurrence and ends on its last day.
/// </summary>
public sealed class CampaignTests() : ReportScript("campaigns")
{
    [Fact]
    public async Task A_campaign_goes_under_the_shared_budget_and_reports_sent_replies_purchases_and_deletions_per_account()
    {
        var (a, b, segment) = await MatrixAsync();
        // m2 was touched twice five days before the campaign (room again in two days); m3 twice just before it (none
        // within the three days a message may wait); m7 left; m6 wrote to B after being added on both, and was
        // touched once the day before.
        await TouchTwiceAsync(a, "m2");
        await AtAsync(7, 2);
        await DeleteAsync(a, "m7");
        await AtAsync(7, 3);
        Ok(await _admin.PostAsJsonAsync("/api/events/message-received", new { accountId = b, customerId = "m6", at = _clock.GetUtcNow() }));
        await AtAsync(7, 5);
        await TouchAsync(b, "m6", "manual");
        await AtAsync(7, 6, 9);
        await TouchTwiceAsync(a, "m3");
        await AtAsync(7, 6, 10);

        var audience = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/audience?segmentId={segment}");
        Assert.Equal(7, audience.GetProperty("count").GetInt32());
        var campaign = await CreateAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "{nickname}，会员日镜片八折", link = "https://shop.example/m",
            schedule = new { repeat = "Once" } });
        var view = await SentAsync(campaign, occurrences: 1);
        Assert.Equal(("done", 7, 0), (view.GetProperty("status").GetString(), view.GetProperty("recipients").GetInt32(), view.GetProperty("pending").GetInt32()));

        var recipients = await RecipientsAsync(campaign, new() { [a] = "wx_a", [b] = "wx_b" });
        Assert.Equal("m1 wx_a placed 07-06 10:00", recipients["m1"]);
        Assert.Equal("m2 wx_a deferred 07-08 10:00", recipients["m2"]); // when its first touch is a week old
        Assert.Equal("m3 wx_a skipped over_budget", recipients["m3"]);
        Assert.Equal("m5 wx_b placed 07-06 10:00", recipients["m5"]);
        Assert.Equal("m6 wx_b placed 07-06 10:00", recipients["m6"]);
        Assert.Equal("m7  skipped no_account", recipients["m7"]);
        var task = await TaskOfAsync(campaign, "m1");
        Assert.Equal("m1，会员日镜片八折\nhttps://shop.example/m", task.Body);

        // The campaign's message booked m6's second slot of the week: a plan started by m6's purchase waits until the
        // touch of July 5th is a week old, though the message is not sent yet.
        var thanks = await CreateAsync("/api/plans", new { name = "购后感谢", trigger = new { kind = "Purchase" }, template = "谢谢", delay = new { days = 0 } });
        Ok(await _admin.PostAsJsonAsync("/api/events/purchase", new { customerId = "m6", orderId = "c-o6", amount = 80m, at = _clock.GetUtcNow() }));
        await _app.Services.RemindersIdleAsync();
        var m6 = await _app.Services.GetRequiredService<IGrainFactory>().GetGrain<ICustomerGrain>("m6").Get();
        Assert.Equal(new DateTimeOffset(2026, 7, 12, 10, 0, 0, Beijing), m6.Plans[thanks].PostponedTo);

        // m1's message is sent and answered, and m1 buys the next day; m4's is sent and m4 deletes A the next morning.
        Ok(await _admin.PostAsync($"/api/tasks/{task.Id}/done", null));
        Ok(await _admin.PostAsync($"/api/tasks/{(await TaskOfAsync(campaign, "m4")).Id}/done", null));
        await AtAsync(7, 6, 12);
        Ok(await _admin.PostAsJsonAsync("/api/events/message-received", new { accountId = a, customerId = "m1", at = _clock.GetUtcNow() }));
        await AtAsync(7, 7, 9);
        await DeleteAsync(a, "m4");
        await AtAsync(7, 7, 11);
        Ok(await _admin.PostAsJsonAsync("/api/events/purchase", new { customerId = "m1", orderId = "c-o1", amount = 300m, at = _clock.GetUtcNow() }));

        var results = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/results");
        Assert.Equal(["wx_a recipients 4 placed 3 deferred 1 skipped 1 sent 2 replied 1 lost 1 purchases 1 amount 300.00",
                      "wx_b recipients 2 placed 2 deferred 0 skipped 0 sent 0 replied 0 lost 0 purchases 0 amount 0",
                      " recipients 1 placed 0 deferred 0 skipped 1 sent 0 replied 0 lost 0 purchases 0 amount 0"],
            results.GetProperty("accounts").EnumerateArray().Select(r => $"{r.GetProperty("weChatId").GetString()} recipients {r.GetProperty("recipients")} placed {r.GetProperty("placed")} "
                + $"deferred {r.GetProperty("deferred")} skipped {r.GetProperty("skipped")} sent {r.GetProperty("sent")} replied {r.GetProperty("replied")} lost {r.GetProperty("lost")} "
                + $"purchases {r.GetProperty("purchases")} amount {r.GetProperty("amount")}"));
        Assert.Equal("no_account 1, over_budget 1", string.Join(", ", results.GetProperty("skippedBy").EnumerateObject().OrderBy(p => p.Name).Select(p => $"{p.Name} {p.Value}")));

        // Churn per touch names the campaign: one deletion within 48 hours of its two messages sent.
        var touches = await _admin.GetFromJsonAsync<JsonElement>("/api/reports/touches?from=2026-07-01&to=2026-07-31");
        var row = touches.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("dimension").GetString() == "campaign");
        Assert.Equal("会员日 2 1", $"{row.GetProperty("name").GetString()} {row.GetProperty("touches")} {row.GetProperty("lostWithin48h")}");
    }

    [Fact]
    public async Task A_weekly_campaign_freezes_its_audience_again_at_each_occurrence_until_its_last_day()
    {
        var (a, _, segment) = await MatrixAsync();
        await AtAsync(7, 6, 15); // a Monday
        var campaign = await CreateAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "会员日到了",
            schedule = new { repeat = "Weekly", day = "Tuesday", time = "10:00:00", endsOn = "2026-07-14" } });
        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}");
        Assert.Equal(("scheduled", new DateTimeOffset(2026, 7, 7, 10, 0, 0, Beijing)), (view.GetProperty("status").GetString(), view.GetProperty("nextAt").GetDateTimeOffset()));

        await AtAsync(7, 7, 10);
        await DeliverAsync();
        await SentAsync(campaign, occurrences: 1, status: "scheduled");
        // A new member before the second Tuesday is in its audience; the first Tuesday's recipients stay as they were.
        await AddAsync(a, "m9", null);
        Ok(await _admin.PostAsJsonAsync("/api/customers/m9/tags", new { add = new[] { "会员" } }));
        await MembersAsync(segment, 8);
        await AtAsync(7, 14, 10);
        await DeliverAsync();
        view = await SentAsync(campaign, occurrences: 2, status: "done");
        Assert.Equal(JsonValueKind.Null, view.GetProperty("nextAt").ValueKind);

        await using var db = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var cmd = db.CreateCommand("select occurrence, recipients from campaign_occurrences where campaign_id = $1 order by 1");
        cmd.Parameters.AddWithValue(campaign);
        var occurrences = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) occurrences.Add($"{r.GetInt32(0)}: {r.GetInt32(1)}");
        Assert.Equal(["1: 7", "2: 8"], occurrences);
        // A week apart, each customer's two messages fit the budget of two a week: every one placed on time.
        var results = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/results");
        Assert.Equal((15, 15, 0, 0), (Sum(results, "recipients"), Sum(results, "placed"), Sum(results, "deferred"), Sum(results, "skipped")));
    }

    [Fact]
    public async Task Bad_campaigns_are_refused_naming_the_field_and_a_cancelled_one_sends_nothing_more()
    {
        var (_, _, segment) = await MatrixAsync();
        await ProblemAsync("/api/campaigns", new { name = "", segmentId = segment, template = "x", schedule = new { repeat = "Once" } }, "name");
        await ProblemAsync("/api/campaigns", new { name = "x", segmentId = "nope", template = "x", schedule = new { repeat = "Once" } }, "segmentId");
        await ProblemAsync("/api/campaigns", new { name = "x", segmentId = segment, template = "x", link = "javascript:alert(1)", schedule = new { repeat = "Once" } }, "link");
        await ProblemAsync("/api/campaigns", new { name = "x", segmentId = segment, template = "x", schedule = new { repeat = "Weekly", day = "Tuesday" } }, "schedule.time");
        await ProblemAsync("/api/campaigns", new { name = "x", segmentId = segment, template = "x", schedule = new { repeat = "Once", at = _clock.GetUtcNow().AddDays(-1) } }, "schedule.at");
        await ProblemAsync("/api/campaigns", new { name = "x", segmentId = segment, template = "x", schedule = new { repeat = "Weekly", day = "Tuesday", time = "10:00:00", endsOn = "2026-06-30" } }, "schedule.endsOn");
        Assert.Empty(await _admin.GetFromJsonAsync<JsonElement[]>("/api/campaigns") ?? []);

        var campaign = await CreateAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "会员日到了",
            schedule = new { repeat = "Weekly", day = "Tuesday", time = "10:00:00" } });
        var cancelled = await (await _admin.PostAsync($"/api/campaigns/{campaign}/cancel", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await AtAsync(7, 7, 10);
        await DeliverAsync();
        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}");
        Assert.Equal(("cancelled", 0, 0), (view.GetProperty("status").GetString(), view.GetProperty("occurrences").GetInt32(), view.GetProperty("recipients").GetInt32()));
    }

    private static int Sum(JsonElement results, string column) => results.GetProperty("accounts").EnumerateArray().Sum(r => r.GetProperty(column).GetInt32());

    // Accounts A and B; m1-m4 and m7 on A, m5 on B, m6 on both; everyone tagged 会员, and a segment of them.
    private async Task<(string A, string B, string Segment)> MatrixAsync()
    {
        Ok(await _admin.PutAsJsonAsync("/api/tags/member", new { tags = new[] { "会员" } }));
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var a = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_a", kind = "PersonalWeChat" } });
        var b = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_b", kind = "PersonalWeChat" } });
        foreach (var (account, customer) in new[] { (a, "m1"), (a, "m2"), (a, "m3"), (a, "m4"), (b, "m5"), (a, "m6"), (b, "m6"), (a, "m7") })
            await AddAsync(account, customer, null);
        foreach (var customer in new[] { "m1", "m2", "m3", "m4", "m5", "m6", "m7" })
            Ok(await _admin.PostAsJsonAsync($"/api/customers/{customer}/tags", new { add = new[] { "会员" } }));
        var segment = await CreateAsync("/api/segments", new { name = "会员", predicate = new { field = "tags", @in = new[] { "会员" } } });
        await MembersAsync(segment, 7);
        return (a, b, segment);
    }

    private async Task TouchTwiceAsync(string account, string customer)
    {
        await TouchAsync(account, customer, "manual");
        _clock.Advance(TimeSpan.FromMinutes(1));
        await TouchAsync(account, customer, "manual");
    }

    private async Task DeliverAsync()
    {
        await _app.Services.RemindersIdleAsync();
        await Reminders.DeliverDueAsync(_app.Services.GetRequiredService<IGrainFactory>(), _app.ConnectionString, _clock.GetUtcNow());
        await _app.Services.RemindersIdleAsync();
    }

    /// <summary>Waits until the campaign has frozen <paramref name="occurrences"/> occurrences and placed every recipient.</summary>
    private async Task<JsonElement> SentAsync(string campaign, int occurrences, string status = "done")
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}");
            if (view.GetProperty("occurrences").GetInt32() == occurrences && view.GetProperty("pending").GetInt32() == 0 && view.GetProperty("status").GetString() == status)
                return view;
            if (DateTime.UtcNow > deadline) Assert.Fail($"campaign not sent: {view}");
            await Task.Delay(50);
        }
    }

    private async Task MembersAsync(string segment, int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() != count)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"segment never had {count} members");
            await Task.Delay(50);
        }
    }

    private async Task<Dictionary<string, string>> RecipientsAsync(string campaign, Dictionary<string, string> weChatIds)
    {
        await using var db = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var cmd = db.CreateCommand("select customer_id, account_id, status, reason, due_at from campaign_recipients where campaign_id = $1");
        cmd.Parameters.AddWithValue(campaign);
        var rows = new Dictionary<string, string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows[r.GetString(0)] = $"{r.GetString(0)} {(r.IsDBNull(1) ? "" : weChatIds[r.GetString(1)])} {r.GetString(2)} "
                + (r.IsDBNull(3) ? r.GetFieldValue<DateTimeOffset>(4).ToOffset(Beijing).ToString("MM-dd HH:mm") : r.GetString(3));
        return rows;
    }

    private async Task<(Guid Id, string Body)> TaskOfAsync(string campaign, string customer)
    {
        await using var db = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var cmd = db.CreateCommand("select t.id, t.body from campaign_recipients r join tasks t on t.id = r.task_id where r.campaign_id = $1 and r.customer_id = $2");
        cmd.Parameters.AddWithValue(campaign);
        cmd.Parameters.AddWithValue(customer);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync(), $"no task for {customer}");
        return (r.GetGuid(0), r.GetString(1));
    }

}
