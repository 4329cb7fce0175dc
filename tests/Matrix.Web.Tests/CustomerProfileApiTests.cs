using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>A customer's profile, referrer, managed tags and timeline over HTTP.</summary>
public sealed class CustomerProfileApiTests : ApiTest
{
    private async Task<string> FriendsAsync(params string[] customers)
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = ApiTest.UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } });
        foreach (var customer in customers)
            Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added",
                new { accountId = account, externalId = customer, at = DateTimeOffset.UtcNow.AddHours(-2), idempotencyKey = customer })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync("/api/tags/interest", new { tags = new[] { "近视", "防蓝光" } })).StatusCode);
        return account;
    }

    [Fact]
    public async Task A_profile_with_a_referrer_and_managed_tags_shows_on_the_customer_and_in_the_timeline_newest_first()
    {
        var account = await FriendsAsync("wx-a", "wx-b");
        var profile = await Http.PutAsJsonAsync("/api/customers/wx-b/profile", new
        {
            displayName = "王女士", remark = "左眼散光", phone = "+86 138-0000-0000", referrerId = "wx-a",
            attributes = new Dictionary<string, string> { ["birthday"] = "1990-12-05", ["child_age"] = "7" },
        });
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.PostAsJsonAsync("/api/customers/wx-b/tags", new { add = new[] { "近视" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/purchase",
            new { customerId = "wx-b", orderId = "o-1", amount = 680m, at = DateTimeOffset.UtcNow.AddHours(-1) })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/message-received", new { accountId = account, customerId = "wx-b", at = DateTimeOffset.UtcNow.AddMinutes(-30) })).StatusCode);

        var b = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-b");
        Assert.Equal(("王女士", "1990-12-05"), (b.GetProperty("profile").GetProperty("displayName").GetString(), b.GetProperty("profile").GetProperty("attributes").GetProperty("birthday").GetString()));
        Assert.Contains("近视", b.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var a = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-a");
        Assert.Equal(1, a.GetProperty("referred").GetInt32());
        Assert.True(a.GetProperty("score").GetProperty("referrals").GetInt32() > 0);

        var timeline = (await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-b/timeline")).EnumerateArray().ToList();
        var times = timeline.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        var kinds = timeline.Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal("added", kinds[^1]);
        Assert.Contains("purchase", kinds);
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "tag" && e.GetProperty("detail").GetString()!.StartsWith("+近视"));
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "profile" && e.GetProperty("detail").GetString()!.StartsWith("attributes.birthday"));
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "message" && e.GetProperty("accountId").GetString() is null);
    }

    public static TheoryData<string, string, string, HttpStatusCode, string> BadRequests => new()
    {
        { "PUT", "/api/customers/wx-b/profile", """{"phone":"call me"}""", HttpStatusCode.BadRequest, "phone" },
        { "PUT", "/api/customers/wx-b/profile", """{"referrerId":"wx-b"}""", HttpStatusCode.BadRequest, "referrerId" },
        { "PUT", "/api/customers/wx-b/profile", """{"referrerId":"wx-nobody"}""", HttpStatusCode.BadRequest, "referrerId" },
        { "PUT", "/api/customers/wx-b/profile", """{"attributes":{"Birth Day":"1990-12-05"}}""", HttpStatusCode.BadRequest, "attributes.Birth Day" },
        { "PUT", "/api/customers/wx-b/profile", """{"displayName":42}""", HttpStatusCode.BadRequest, "displayName" },
        { "PUT", "/api/customers/wx-b/profile", """{"displayName":"x""", HttpStatusCode.BadRequest, "" },
        { "PUT", "/api/customers/wx-nobody/profile", """{"displayName":"x"}""", HttpStatusCode.NotFound, "" },
        { "POST", "/api/customers/wx-b/tags", """{"add":["老花"]}""", HttpStatusCode.BadRequest, "tags" },
        { "POST", "/api/customers/wx-nobody/tags", """{"add":["近视"]}""", HttpStatusCode.NotFound, "" },
        { "PUT", "/api/tags/source", """{"tags":["近视"]}""", HttpStatusCode.BadRequest, "tags" },
        { "PUT", "/api/tags/source", """{"tags":[]}""", HttpStatusCode.BadRequest, "tags" },
        { "GET", "/api/customers/wx-nobody/timeline", "", HttpStatusCode.NotFound, "" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_answers_with_the_reason_and_changes_nothing(string method, string path, string body, HttpStatusCode expected, string field)
    {
        await FriendsAsync("wx-a", "wx-b");
        var before = await SnapshotAsync();
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET") request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await Http.SendAsync(request);
        if (expected == HttpStatusCode.BadRequest && field.Length > 0) await AssertProblemAsync(response, field);
        else Assert.Equal(expected, response.StatusCode);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_referral_is_not_changed_afterwards()
    {
        await FriendsAsync("wx-a", "wx-b", "wx-c");
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync("/api/customers/wx-c/profile", new { referrerId = "wx-a" })).StatusCode);
        var before = await SnapshotAsync();
        Assert.Contains("referred by wx-a", await AssertProblemAsync(await Http.PutAsJsonAsync("/api/customers/wx-c/profile", new { referrerId = "wx-b" }), "referrerId"));
        Assert.Equal(before, await SnapshotAsync());
    }
}
