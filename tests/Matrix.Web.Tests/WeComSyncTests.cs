using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Capacity;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// The full sync against the fake WeCom server: a corp refusing this server's address shows as a setup error; then
/// customers whose add callbacks were lost (250, three pages) are added with WeCom's add times, a friend WeCom no
/// longer lists is ended, unknown members are listed, the tag list is mirrored (adopting a tag the corp had, making
/// the missing one, reporting a name the corp uses elsewhere), and WeCom's tags reach Matrix's customers. WeCom's
/// rate limit strikes after two pages: the run stops, shows why and when it tries again, and resumes from its
/// cursor, never reading a page twice. A second sync changes nothing.
/// </summary>
public sealed class WeComSyncTests() : WeComTest("wecomsync", "ww_sync_test")
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Matrix:WeComGroupSweep"] = "00:00:01",
        ["Matrix:WeComRateLimitBackoff"] = "00:00:01",
        // The nightly sync twelve hours from now in the store's zone: only the first sync on connecting and those asked for run here.
        ["Matrix:WeComNightlySync"] = TimeOnly.FromDateTime(DateTime.UtcNow.AddHours(8 + 12)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_full_sync_finds_what_callbacks_missed_mirrors_tags_and_resumes_after_WeComs_rate_limit()
    {
        // Connecting the corp syncs it once (nothing to find yet).
        await UntilAsync(async () => (await StatusAsync()).GetProperty("corps").EnumerateArray().Single().GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String,
            "the first sync on connecting did not run");
        await DefineTagsAsync();
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微同步" }));
        var one = await AccountAsync(persona, "wc_s1");
        var two = await AccountAsync(persona, "wc_s2");
        var stranger = await AccountAsync(persona, "wc_not_in_corp");

        // This server's address is not among the app's trusted IPs: a setup error, shown as such, tried again in an hour.
        _wecom.RefuseThisAddress = true;
        var corp = await SyncAsync(c => c.GetProperty("lastCode").ValueKind == JsonValueKind.Number);
        Assert.Equal((60020, "Setup"), (corp.GetProperty("lastCode").GetInt32(), corp.GetProperty("failureKind").GetString()));
        Assert.True(corp.GetProperty("nextRetryAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        _wecom.RefuseThisAddress = false;

        // What WeCom holds and Matrix never heard: 250 customers of wc_s1 (callbacks lost), one of wc_s2 deleted
        // without a callback, a member with no Matrix account, and corp tags made in WeCom's console.
        var since = DateTimeOffset.UtcNow.AddDays(-30);
        for (var i = 0; i < 249; i++) _wecom.SeedCustomer(CorpId, "wc_s1", $"wmS{i:D3}", since.AddMinutes(i));
        _wecom.SeedCustomer(CorpId, "wc_s1", "wmS249", DateTimeOffset.UtcNow.AddHours(-2)); // added this morning
        Assert.True((await _admin.PostAsJsonAsync("/api/plans", new { name = "新好友回访", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 3 } })).IsSuccessStatusCode);
        for (var i = 0; i < 3; i++) Assert.True(await _wecom.AddCustomerAsync(CorpId, "wc_s2", $"wmK{i}", null));
        _wecom.ForgetCustomer(CorpId, "wc_s2", "wmK2");
        _wecom.AddMember(CorpId, "wc_other");
        var store = _wecom.CreateTagInConsole(CorpId, "来源", "门店");
        _wecom.CreateTagInConsole(CorpId, "饮品", "咖啡");
        Assert.True(await _wecom.TagInAppAsync(CorpId, "wc_s1", "wmS007", store)); // the customer is unknown to Matrix yet: nothing to do

        // WeCom's rate limit after two pages: the run stops there and says so.
        _wecom.RateLimitAfterPages = ("wc_s1", 2);
        var started = DateTimeOffset.UtcNow;
        await _admin.PostAsync("/api/wecom/sync", null);
        var stopped = await AccountStatusAsync(one, a => a.GetProperty("lastCode").ValueKind == JsonValueKind.Number);
        Assert.Equal((45009, "RateLimited", true, 200), (stopped.GetProperty("lastCode").GetInt32(), stopped.GetProperty("failureKind").GetString(),
            stopped.GetProperty("running").GetBoolean(), stopped.GetProperty("seen").GetInt32()));
        Assert.True(stopped.TryGetProperty("nextRetryAt", out var retry) && retry.ValueKind == JsonValueKind.String);
        Assert.Equal(200, await FriendsAsync(one));

        // The block ends: the run resumes from its cursor and finishes.
        _wecom.Unblock();
        var done = await AccountStatusAsync(one, a => a.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String && !a.GetProperty("running").GetBoolean());
        Assert.Equal((250, 250, 0), (done.GetProperty("seen").GetInt32(), done.GetProperty("added").GetInt32(), done.GetProperty("removed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("lastCode").ValueKind);
        Assert.Equal(3 + 1, _wecom.CustomerPages); // wc_s1's three pages once each, and wc_s2's one
        Assert.Equal(250, await FriendsAsync(one));
        var links = await _app.Services.GetRequiredService<CapacityLedger>().LinksAsync(["wmS000", "wmS249"]);
        Assert.Equal(since, Assert.Single(links["wmS000"]).AddedAt, TimeSpan.FromSeconds(1)); // WeCom's add time, not the sync's
        Assert.True(Assert.Single(links["wmS249"]).AddedAt > DateTimeOffset.UtcNow.AddHours(-3));
        // Found later, not told as it happened: the new-friend plan starts only for the friend of this morning, as for an import.
        var grains = _app.Services.GetRequiredService<IGrainFactory>();
        Assert.Empty((await grains.GetGrain<Matrix.Grains.Customers.ICustomerGrain>("wmS000").Get()).Plans);
        Assert.Single((await grains.GetGrain<Matrix.Grains.Customers.ICustomerGrain>("wmS249").Get()).Plans);

        var status = await StatusAsync();
        var second = await AccountStatusAsync(two, a => a.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String);
        Assert.Equal((2, 0, 1), (second.GetProperty("seen").GetInt32(), second.GetProperty("added").GetInt32(), second.GetProperty("removed").GetInt32()));
        Assert.Equal(2, await FriendsAsync(two));
        var outsider = status.GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("accountId").GetString() == stranger);
        Assert.Equal((60111, "Setup"), (outsider.GetProperty("lastCode").GetInt32(), outsider.GetProperty("failureKind").GetString()));
        Assert.Equal(JsonValueKind.Null, outsider.GetProperty("nextRetryAt").ValueKind); // nothing to read until someone fixes the userid
        corp = status.GetProperty("corps").EnumerateArray().Single();
        Assert.Equal(["wc_other"], corp.GetProperty("unmatchedMembers").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(JsonValueKind.Null, corp.GetProperty("lastCode").ValueKind);
        Assert.True(corp.GetProperty("lastSyncedAt").GetDateTimeOffset() >= started.AddSeconds(-1));

        // Tags: 门店 adopted (the corp's own), 直播 made in the 来源 group, 咖啡 left alone: the corp has it under 饮品.
        var tags = status.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("tag").GetString()!);
        Assert.Equal(store, tags["门店"].GetProperty("tagId").GetString());
        Assert.Equal(JsonValueKind.Null, tags["门店"].GetProperty("conflict").ValueKind);
        Assert.Contains(_wecom.Tags(CorpId), t => t.GroupName == "来源" && t.Name == "直播" && t.Id == tags["直播"].GetProperty("tagId").GetString());
        Assert.Equal(("name_elsewhere", "饮品"), (tags["咖啡"].GetProperty("conflict").GetString(), tags["咖啡"].GetProperty("detail").GetString()));
        Assert.Equal(2, _wecom.Tags(CorpId).Count(t => t.Name is "门店" or "直播"));
        Assert.Single(_wecom.Tags(CorpId), t => t.Name == "咖啡");
        Assert.Contains("门店", (await CustomerAsync("wmS007")).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        // A second sync finds nothing new and ends nobody.
        await SyncAsync(c => c.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String && c.GetProperty("lastSyncedAt").GetDateTimeOffset() > corp.GetProperty("lastSyncedAt").GetDateTimeOffset());
        var again = await AccountStatusAsync(one, a => !a.GetProperty("running").GetBoolean() && a.GetProperty("lastSyncedAt").GetDateTimeOffset() > done.GetProperty("lastSyncedAt").GetDateTimeOffset());
        Assert.Equal((250, 0, 0), (again.GetProperty("seen").GetInt32(), again.GetProperty("added").GetInt32(), again.GetProperty("removed").GetInt32()));
        Assert.Equal(250, await FriendsAsync(one));
        Assert.Equal(2, _wecom.Tags(CorpId).Count(t => t.Name is "门店" or "直播"));
    }

    private async Task DefineTagsAsync()
    {
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/来源", new { tags = new[] { "门店", "直播" } })).IsSuccessStatusCode);
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/兴趣", new { tags = new[] { "咖啡" } })).IsSuccessStatusCode);
    }

    private async Task<string> AccountAsync(string persona, string userId) =>
        await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = userId, kind = "WeCom" } }));

    private async Task<JsonElement> StatusAsync() => await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/sync");

    private async Task<JsonElement> CustomerAsync(string id) => await _admin.GetFromJsonAsync<JsonElement>($"/api/customers/{id}");

    // Asks for a full sync and waits until the corp's row shows what is expected.
    private async Task<JsonElement> SyncAsync(Func<JsonElement, bool> until)
    {
        var asked = await _admin.PostAsync("/api/wecom/sync", null);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        JsonElement corp = default;
        await UntilAsync(async () => (corp = (await StatusAsync()).GetProperty("corps").EnumerateArray().Single()) is var c
                                     && c.GetProperty("requestedAt").ValueKind == JsonValueKind.Null && until(c), "the corp's sync did not come to the expected end");
        return corp;
    }

    private async Task<JsonElement> AccountStatusAsync(string accountId, Func<JsonElement, bool> until)
    {
        JsonElement account = default;
        await UntilAsync(async () => (await StatusAsync()).GetProperty("accounts").EnumerateArray().FirstOrDefault(a => a.GetProperty("accountId").GetString() == accountId) is
            { ValueKind: JsonValueKind.Object } a && until(account = a), $"account {accountId}'s sync did not come to the expected state");
        return account;
    }

    private async Task<int> FriendsAsync(string accountId) =>
        (await _app.Services.GetRequiredService<CapacityLedger>().FriendsAsync(accountId, [])).Count;
}
