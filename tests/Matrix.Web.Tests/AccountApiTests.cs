using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Matrix.Web.Tests;

public sealed class AccountApiTests : ApiTest
{
    private Task<string> CreatePersonaAsync(string nickname = "小林") =>
        CreateAsync("/api/personas", new { nickname, avatarUrl = "/img/lin.png", signature = "配一副好眼镜", profile = new { age = 28, jobIdentity = "optician" } });

    private Task<string> CreateAccountAsync(string personaId, string weChatId, int hardCap, int softCap) => CreateAsync("/api/accounts", new
    {
        personaId, role = "Traffic", status = "Active",
        settings = new { weChatId, kind = "PersonalWeChat", qrCodeUrl = $"/qr/{weChatId}.png", capacity = new { hardCap, softCap, reserve = 0, dailyBudget = (int?)null } },
    });

    [Fact]
    public async Task The_account_list_comes_a_page_at_a_time_each_account_once_and_refuses_a_limit_out_of_range()
    {
        var persona = await CreatePersonaAsync();
        for (var i = 0; i < 5; i++) await CreateAccountAsync(persona, ApiTest.UniqueWeChatId($"wx_page{i}"), hardCap: 10, softCap: 5);
        var all = (await Http.GetFromJsonAsync<JsonElement>("/api/accounts?limit=1000")).EnumerateArray().Select(a => a.GetProperty("id").GetString()!).ToList();
        Assert.True(all.Count >= 5);

        Assert.Equal(all, await WalkPagesAsync("/api/accounts", "id", limit: 2));
        Assert.Equal(all.Order(StringComparer.Ordinal), all);

        var refused = await Http.GetAsync("/api/accounts?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("limit", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_live_code_page_shows_the_chosen_accounts_QR_and_moves_on_when_it_fills()
    {
        var persona = await CreatePersonaAsync();
        var first = await CreateAccountAsync(persona, "wx_lin_1", hardCap: 2, softCap: 2);
        var backup = await CreateAccountAsync(await CreatePersonaAsync("店长老张"), "wx_zhang", hardCap: 5, softCap: 3);
        var channel = await Http.PostAsJsonAsync("/api/channels", new { id = "checkout", channel = new { name = "收银台", personaId = persona, state = "store-01-checkout", backupAccountIds = new[] { backup } } });
        Assert.Equal(HttpStatusCode.Created, channel.StatusCode);

        for (var i = 0; i < 2; i++)
        {
            var page = await Http.GetStringAsync("/c/checkout");
            Assert.Contains("小林", page);
            Assert.Contains("src=\"/qr/wx_lin_1.png\"", page);
            var confirmed = await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = first, externalId = $"wx-c{i}", channel = "checkout", at = DateTimeOffset.UtcNow, idempotencyKey = $"k{i}" });
            Assert.Equal("added", (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        }

        var afterFull = await Http.GetStringAsync("/c/checkout"); // the first account holds 2 of 2: the page moves on
        Assert.Contains("src=\"/qr/wx_zhang.png\"", afterFull);
        Assert.DoesNotContain("wx_lin_1", afterFull);

        var view = await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{first}");
        Assert.Equal((2, 2, 0, 2), (view.GetProperty("friends").GetInt32(), view.GetProperty("hardCap").GetInt32(), view.GetProperty("reserved").GetInt32(), view.GetProperty("addedToday").GetInt32()));
    }

    [Fact]
    public async Task A_full_pool_gets_a_polite_page_and_the_live_code_page_exposes_no_account_details()
    {
        var persona = await CreatePersonaAsync();
        await CreateAccountAsync(persona, "wx_only", hardCap: 1, softCap: 1);
        await Http.PostAsJsonAsync("/api/channels", new { id = "door", channel = new { name = "门口", personaId = persona, state = "door" } });

        var open = await Http.GetStringAsync("/c/door");
        Assert.DoesNotContain("wx_only\"", open.Replace("/qr/wx_only.png", ""));
        Assert.DoesNotContain("data-state=\"full\"", await Http.GetStringAsync("/c/door")); // the same browser keeps its hold
        var full = await App.CreateClient().GetStringAsync("/c/door"); // another customer's phone
        Assert.Contains("data-state=\"full\"", full);
        Assert.Contains("抱歉", full);

        // The console sees the channel full and the team gets an alert; a new sibling gives room and clears it.
        Assert.True((await Http.GetFromJsonAsync<JsonElement>("/api/channels/door")).GetProperty("full").GetBoolean());
        var alert = Assert.Single((await Http.GetFromJsonAsync<JsonElement>("/api/alerts")).EnumerateArray());
        Assert.Equal(("pool-full", "door"), (alert.GetProperty("kind").GetString(), alert.GetProperty("subjectId").GetString()));
        await CreateAccountAsync(persona, "wx_new_sibling", hardCap: 5000, softCap: 3000);
        Assert.False((await Http.GetFromJsonAsync<JsonElement>("/api/channels/door")).GetProperty("full").GetBoolean());
        Assert.Empty((await Http.GetFromJsonAsync<JsonElement>("/api/alerts")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/c/no-such-channel")).StatusCode);
    }

    [Fact]
    public async Task Event_times_may_carry_any_offset()
    {
        var account = await CreateAccountAsync(await CreatePersonaAsync(), "wx_offset", 5000, 3000);
        var body = new StringContent($$"""{"accountId":"{{account}}","externalId":"wx-bj","at":"2026-11-22T10:00:00+08:00","idempotencyKey":"tz-1"}""", Encoding.UTF8, "application/json");
        var response = await Http.PostAsync("/api/events/friend-added", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var added = (await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-bj")).GetProperty("firstAddedAt").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero), added.ToUniversalTime());
    }

    [Fact]
    public async Task Role_and_status_changes_keep_a_history()
    {
        var account = await CreateAccountAsync(await CreatePersonaAsync(), "wx_hist", 5000, 3000);
        await Http.PostAsJsonAsync($"/api/accounts/{account}/role", new { role = "Sales" });
        await Http.PostAsJsonAsync($"/api/accounts/{account}/status", new { status = "Banned" });
        var history = (await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}")).GetProperty("history").EnumerateArray()
            .Select(h => (h.GetProperty("field").GetString(), h.GetProperty("from").GetString(), h.GetProperty("to").GetString())).ToList();
        Assert.Contains(("role", "Traffic", "Sales"), history);
        Assert.Contains(("status", "Active", "Banned"), history);
    }

    [Fact]
    public async Task A_WeChat_ID_belongs_to_one_account()
    {
        var persona = await CreatePersonaAsync();
        var first = await CreateAccountAsync(persona, "wx_twice", 5000, 3000);
        var second = await CreateAccountAsync(persona, "wx_once", 5000, 3000);
        var before = await SnapshotAsync();

        await AssertProblemAsync(await Http.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", settings = new { weChatId = "WX_Twice", kind = "PersonalWeChat" } }),
            "weChatId");
        await AssertProblemAsync(await Http.PutAsJsonAsync($"/api/accounts/{second}", new { weChatId = "wx_twice", kind = "PersonalWeChat" }), "weChatId");
        Assert.Equal(before, await SnapshotAsync());

        // An account keeps its own ID when other settings change.
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync($"/api/accounts/{first}", new { weChatId = "wx_twice", kind = "PersonalWeChat", level = 2 })).StatusCode);
    }

    public static TheoryData<string, string, string, HttpStatusCode, string> BadRequests => new()
    {
        { "POST", "/api/accounts", """{"personaId":"PERSONA","role":"Traffic","settings":{"weChatId":"wx","kind":"PersonalWeChat","capacity":{"hardCap":-5,"softCap":3000}}}""", HttpStatusCode.BadRequest, "capacity.hardCap" },
        { "POST", "/api/accounts", """{"personaId":"PERSONA","role":"Traffic","settings":{"weChatId":"wx","kind":"PersonalWeChat","capacity":{"hardCap":5000,"softCap":-1}}}""", HttpStatusCode.BadRequest, "capacity.softCap" },
        { "POST", "/api/accounts", """{"personaId":"PERSONA","role":"Traffic","settings":{"weChatId":"wx","kind":"PersonalWeChat","capacity":{"hardCap":3000,"softCap":4000}}}""", HttpStatusCode.BadRequest, "capacity.softCap" },
        { "POST", "/api/accounts", """{"personaId":"nobody","role":"Traffic","settings":{"weChatId":"wx","kind":"PersonalWeChat"}}""", HttpStatusCode.BadRequest, "personaId" },
        { "POST", "/api/accounts", """{"personaId":"PERSONA","role":"Chef","settings":{"weChatId":"wx","kind":"PersonalWeChat"}}""", HttpStatusCode.BadRequest, "role" },
        { "POST", "/api/accounts", """{"personaId":"PERSONA","role":"Traffic","settings":{"weChatId":"wx","kind":"PersonalWeChat","level":"high"}}""", HttpStatusCode.BadRequest, "settings.level" },
        { "POST", "/api/accounts", "{\"personaId\":\"PERSONA\",\"role\":\"Traffic\",\"settings\":{", HttpStatusCode.BadRequest, "" },
        { "POST", "/api/accounts", """{"role":"Traffic","settings":{"weChatId":"wx","kind":"PersonalWeChat"}}""", HttpStatusCode.BadRequest, "personaId" },
        { "POST", "/api/channels", """{"id":"c31","channel":{"name":"x","personaId":"PERSONA","state":"1234567890123456789012345678901"}}""", HttpStatusCode.BadRequest, "state" },
        { "POST", "/api/channels", """{"id":"Bad Id!","channel":{"name":"x","personaId":"PERSONA","state":"s"}}""", HttpStatusCode.BadRequest, "id" },
        { "POST", "/api/channels", """{"id":"c-tag","channel":{"name":"x","personaId":"PERSONA","state":"s","tags":["不在标签库"]}}""", HttpStatusCode.BadRequest, "tags[0]" },
        { "POST", "/api/personas", """{"nickname":""}""", HttpStatusCode.BadRequest, "nickname" },
        { "POST", "/api/personas", "not json", HttpStatusCode.BadRequest, "" },
        { "POST", "/api/events/friend-added", """{"accountId":"a-unknown","externalId":"x","at":"2026-11-22T10:00:00Z","idempotencyKey":"k"}""", HttpStatusCode.NotFound, "" },
        { "POST", "/api/events/friend-added", """{"accountId":"ACCOUNT","externalId":"","at":"2026-11-22T10:00:00Z","idempotencyKey":"k"}""", HttpStatusCode.BadRequest, "externalId" },
        { "POST", "/api/events/friend-added", """{"accountId":"ACCOUNT","externalId":"x","at":"2026-11-22T10:00:00Z","idempotencyKey":"k","channel":"nope"}""", HttpStatusCode.BadRequest, "channel" },
        { "POST", "/api/events/friend-added", """{"accountId":"ACCOUNT","externalId":"x","at":"yesterday","idempotencyKey":"k"}""", HttpStatusCode.BadRequest, "at" },
        { "PUT", "/api/accounts/a-unknown", """{"weChatId":"wx","kind":"PersonalWeChat"}""", HttpStatusCode.NotFound, "" },
        { "PUT", "/api/accounts/ACCOUNT", """{"weChatId":"wx","kind":"PersonalWeChat","capacity":{"hardCap":0,"softCap":1}}""", HttpStatusCode.BadRequest, "capacity.hardCap" },
        { "POST", "/api/accounts/ACCOUNT/status", """{"status":"Sleeping"}""", HttpStatusCode.BadRequest, "status" },
        { "GET", "/api/accounts/a-unknown", "", HttpStatusCode.NotFound, "" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_answers_with_the_reason_and_changes_nothing(string method, string path, string body, HttpStatusCode expected, string field)
    {
        var persona = await CreatePersonaAsync();
        var account = await CreateAccountAsync(persona, UniqueWeChatId("wx_existing"), 5000, 3000);
        var before = await SnapshotAsync();

        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("ACCOUNT", account));
        if (method != "GET") request.Content = new StringContent(body.Replace("PERSONA", persona).Replace("ACCOUNT", account), Encoding.UTF8, "application/json");
        var response = await Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (field.Length > 0) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        }
        Assert.Equal(before, await SnapshotAsync());
    }
}
