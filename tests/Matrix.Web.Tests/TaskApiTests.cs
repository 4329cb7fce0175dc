using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

public sealed class TaskApiTests : ApiTest
{
    private async Task<string> WelcomedFriendAsync(string customer)
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Traffic", status = "Active", settings = new { weChatId = ApiTest.UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } });
        var channel = await Http.PostAsJsonAsync("/api/channels", new { id = "table", channel = new { name = "桌卡", personaId = persona, state = "t1", welcomeScript = "你好呀，我是小林～" } });
        Assert.Equal(HttpStatusCode.Created, channel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = customer, channel = "table", at = DateTimeOffset.UtcNow, idempotencyKey = customer })).StatusCode);
        return account;
    }

    private async Task<string> Outcome(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString()!;
    }

    [Fact]
    public async Task The_welcome_task_is_due_today_and_marking_it_done_records_a_touch()
    {
        var account = await WelcomedFriendAsync("wx-wang");
        var today = await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks?due=today");
        var task = Assert.Single(today.EnumerateArray());
        Assert.Equal(("welcome", "你好呀，我是小林～", "wx-wang"), (task.GetProperty("kind").GetString(), task.GetProperty("body").GetString(), task.GetProperty("customerId").GetString()));

        Assert.Equal("done", await Outcome(await Http.PostAsync($"/api/tasks/{task.GetProperty("id").GetString()}/done", null)));
        Assert.Empty((await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks?due=today")).EnumerateArray());
        Assert.Single((await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-wang")).GetProperty("touchesAt").EnumerateArray());
    }

    [Fact]
    public async Task A_task_is_skipped_only_with_a_reason()
    {
        var account = await WelcomedFriendAsync("wx-li");
        var id = (await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks"))[0].GetProperty("id").GetString();

        var noReason = await Http.PostAsJsonAsync($"/api/tasks/{id}/skip", new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.True((await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Single((await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray());

        Assert.Equal("skipped", await Outcome(await Http.PostAsJsonAsync($"/api/tasks/{id}/skip", new { reason = "客户已在门店见过" })));
        Assert.Equal("not-open", await Outcome(await Http.PostAsJsonAsync($"/api/tasks/{id}/skip", new { reason = "again" })));
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync($"/api/accounts/{account}/tasks?due=yesterday")).StatusCode);
    }

    [Fact]
    public async Task A_reply_counts_as_engagement_and_a_customer_who_leaves_shows_in_the_loss_list_with_the_last_touch()
    {
        var account = await WelcomedFriendAsync("wx-zhao");
        Assert.Equal("recorded", await Outcome(await Http.PostAsJsonAsync("/api/events/message-received", new { accountId = account, customerId = "wx-zhao", at = DateTimeOffset.UtcNow })));
        var customer = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-zhao");
        Assert.Equal("Engaged", customer.GetProperty("stage").GetString());
        Assert.True(customer.GetProperty("score").GetProperty("engagement").GetInt32() > 0);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("/api/events/message-received", new { accountId = account, customerId = "wx-stranger", at = DateTimeOffset.UtcNow })).StatusCode);

        var welcome = (await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks"))[0].GetProperty("id").GetString();
        await Http.PostAsync($"/api/tasks/{welcome}/done", null);
        Assert.Equal("removed", await Outcome(await Http.PostAsJsonAsync("/api/events/friend-deleted", new { accountId = account, externalId = "wx-zhao", at = DateTimeOffset.UtcNow.AddMinutes(5), idempotencyKey = "del-1", byCustomer = true })));

        var loss = Assert.Single((await Http.GetFromJsonAsync<JsonElement>($"/api/losses?accountId={account}")).EnumerateArray());
        Assert.Equal(("wx-zhao", "welcome"), (loss.GetProperty("customerId").GetString(), loss.GetProperty("afterTouch").GetProperty("kind").GetString()));
        Assert.Equal("Lost", (await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-zhao")).GetProperty("stage").GetString());
    }

    [Fact]
    public async Task The_loss_list_comes_a_page_at_a_time_newest_first_and_a_bad_cursor_or_limit_is_refused()
    {
        var account = await WelcomedFriendAsync("wx-l0");
        var now = DateTimeOffset.UtcNow;
        for (var i = 1; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = $"wx-l{i}", at = now, idempotencyKey = $"wx-l{i}" })).StatusCode);
        for (var i = 0; i < 5; i++)
            Assert.Equal("removed", await Outcome(await Http.PostAsJsonAsync("/api/events/friend-deleted",
                new { accountId = account, externalId = $"wx-l{i}", at = now.AddSeconds(i % 3), idempotencyKey = $"del-l{i}", byCustomer = true }))); // two pairs share a time

        Assert.Equal(["wx-l2", "wx-l4", "wx-l1", "wx-l3", "wx-l0"], await WalkPagesAsync($"/api/losses?accountId={account}", "customerId", limit: 2)); // newest first; ties in a fixed order, none lost or repeated

        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/api/losses?cursor=not-a-cursor")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/api/losses?limit=0")).StatusCode);
    }

    [Fact]
    public async Task A_task_left_open_past_the_expiry_leaves_the_queue_as_expired_and_stays_on_the_timeline()
    {
        var clock = new Matrix.Testing.ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await MatrixApp.StartAsync(clock);
        var (http, account, sweeper) = await WelcomedOnAFakeClockAsync(app, clock, "wx-sun");

        clock.Advance(TimeSpan.FromDays(6));
        await sweeper.SweepAsync();
        http = await app.SignedInAsync(); // the sign-in of six days ago has run out
        Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray()); // six days late: still open

        clock.Advance(TimeSpan.FromDays(2));
        await sweeper.SweepAsync();
        http = await app.SignedInAsync();
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray());
        var timeline = (await http.GetFromJsonAsync<JsonElement>("/api/customers/wx-sun/timeline")).EnumerateArray();
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "task" && e.GetProperty("detail").GetString()!.Contains("[expired]"));
    }

    [Fact]
    public async Task Closed_tasks_move_to_the_archive_after_the_hot_period_and_the_timeline_and_loss_list_still_find_them()
    {
        var clock = new Matrix.Testing.ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await MatrixApp.StartAsync(clock);
        var (http, account, sweeper) = await WelcomedOnAFakeClockAsync(app, clock, "wx-old");
        var welcome = (await http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks"))[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/tasks/{welcome}/done", null)).StatusCode);

        clock.Advance(TimeSpan.FromDays(89));
        await sweeper.SweepAsync();
        Assert.Equal((1, 0), await CountsAsync(app)); // still hot
        clock.Advance(TimeSpan.FromDays(2));
        await sweeper.SweepAsync();
        Assert.Equal((0, 1), await CountsAsync(app)); // moved, not copied

        http = await app.SignedInAsync();
        var timeline = (await http.GetFromJsonAsync<JsonElement>("/api/customers/wx-old/timeline")).EnumerateArray();
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "touch");
        await http.PostAsJsonAsync("/api/events/friend-deleted", new { accountId = account, externalId = "wx-old", at = clock.GetUtcNow(), idempotencyKey = "old-del", byCustomer = true });
        var loss = Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/losses?accountId={account}")).EnumerateArray());
        Assert.Equal("welcome", loss.GetProperty("afterTouch").GetProperty("kind").GetString());
    }

    // A node on a fake clock with an account whose channel welcomes, a customer added through it, and the node's sweeper.
    private static async Task<(HttpClient Http, string Account, Matrix.Grains.Capacity.ReservationSweeper Sweeper)> WelcomedOnAFakeClockAsync(
        MatrixApp app, Matrix.Testing.ManualTimeProvider clock, string customer)
    {
        var http = await app.SignedInAsync();
        var persona = (await (await http.PostAsJsonAsync("/api/personas", new { nickname = "小林" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var account = (await (await http.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Traffic", status = "Active", settings = new { weChatId = ApiTest.UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await http.PostAsJsonAsync("/api/channels", new { id = "table", channel = new { name = "桌卡", personaId = persona, state = "t1", welcomeScript = "你好" } });
        await http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = customer, channel = "table", at = clock.GetUtcNow(), idempotencyKey = customer });
        return (http, account, app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Matrix.Grains.Capacity.ReservationSweeper>().Single());
    }

    private static async Task<(long Hot, long Archived)> CountsAsync(MatrixApp app)
    {
        await using var db = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("select (select count(*) from tasks), (select count(*) from tasks_archive)", db);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetInt64(0), r.GetInt64(1));
    }
}
