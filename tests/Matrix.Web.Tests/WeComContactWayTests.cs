using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Capacity;
using Matrix.Testing;
using Matrix.WeCom.Fake;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// A WeCom channel as a 「联系我」 contact way, against the fake WeCom server: 2,000 customers scan at once through
/// three members of unequal caps, every add's callback sent twice, WeCom's token ended mid-run: each customer is counted
/// once, no account passes its cap, and the way's members are replaced as accounts reach their soft caps. Then WeCom's
/// rate limit holds a change back, and the way catches up once the block is over; disconnecting deletes the way.
/// </summary>
public sealed class WeComContactWayTests() : WeComTest("wecomways", "ww_ways_test")
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Matrix:WeComRateLimitBackoff"] = "00:00:02" };

    [Fact]
    public async Task Two_thousand_adds_through_a_contact_way_count_once_respect_caps_and_rotate_members_as_they_fill()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微门店" }));
        var caps = new Dictionary<string, (int Hard, int Soft)> { ["wc_a"] = (300, 200), ["wc_b"] = (800, 600), ["wc_c"] = (1500, 1400) };
        var accounts = new Dictionary<string, string>();
        foreach (var (user, (hard, soft)) in caps)
            accounts[user] = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Traffic", status = "Active",
                settings = new { weChatId = user, kind = "WeCom", capacity = new { hardCap = hard, softCap = soft, reserve = 20, dailyBudget = (int?)null } } }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/channels", new { id = "wc-burst", channel = new { name = "门店企微码", personaId = persona, state = "wc_burst" } }));

        // Bad input changes nothing; a connected corp makes the way, listing every member with room.
        await ApiTest.AssertProblemAsync(await _admin.PutAsJsonAsync("/api/channels/wc-burst/wecom", new { corpId = "ww_nobody" }), "corpId");
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/channels/wc-burst/wecom")).StatusCode);
        var way = await (await _admin.PutAsJsonAsync("/api/channels/wc-burst/wecom", new { corpId = CorpId })).Content.ReadFromJsonAsync<JsonElement>();
        var configId = way.GetProperty("configId").GetString()!;
        Assert.Equal(["wc_a", "wc_b", "wc_c"], _wecom.ContactWay(configId)!.Users.Order());
        Assert.Equal("wc_burst", _wecom.ContactWay(configId)!.State);
        Assert.StartsWith(_wecom.Url, way.GetProperty("qrCode").GetString());

        // 2,000 scans, 24 at a time, each add's callback sent twice; WeCom ends its token halfway.
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, _) =>
        {
            if (i == 1000) _wecom.ExpireTokens();
            Assert.NotNull(await _wecom.ScanContactWayAsync(configId, $"wmBurst{i:D4}", copies: 2));
        });

        var friends = await FriendsAsync(accounts);
        Assert.Equal(2000, friends.Values.Sum());
        foreach (var (user, (hard, _)) in caps) Assert.InRange(friends[user], 0, hard); // adds in flight while the way changes land in the reserve
        Assert.True(friends["wc_a"] >= 200 && friends["wc_b"] >= 600, $"A {friends["wc_a"]}, B {friends["wc_b"]}: taken off the way before their soft caps");
        await UntilAsync(() => Task.FromResult(_wecom.ContactWay(configId)!.Users.SequenceEqual(["wc_c"])), "the way still lists a member at its soft cap");
        Assert.Contains(_wecom.ContactWayRequests, r => r["user"]!.AsArray().Select(u => u!.GetValue<string>()).Order().SequenceEqual(["wc_b", "wc_c"]));
        var links = await _app.Services.GetRequiredService<CapacityLedger>().LinksAsync([.. Enumerable.Range(0, 2000).Select(i => $"wmBurst{i:D4}")]);
        Assert.Equal(2000, links.Count);
        Assert.All(links.Values, l => Assert.Equal("wc-burst", Assert.Single(l).ChannelId));

        // WeCom's rate limit while member A gets room again: the way is left as it was, and updated once the block is over.
        _wecom.BlockFor(TimeSpan.FromSeconds(2));
        Assert.True((await _admin.PutAsJsonAsync($"/api/accounts/{accounts["wc_a"]}", new { weChatId = "wc_a", kind = "WeCom",
            capacity = new { hardCap = 3000, softCap = 2000, reserve = 20, dailyBudget = (int?)null } })).IsSuccessStatusCode);
        Assert.Equal("wc_c", await _wecom.ScanContactWayAsync(configId, "wmDuringBlock"));
        await UntilAsync(() => Task.FromResult(_wecom.ContactWay(configId)!.Users.SequenceEqual(["wc_a", "wc_c"])), "the way did not catch up after the block");
        Assert.True(_wecom.RateRefusals >= 1);
        Assert.Equal(2001, (await FriendsAsync(accounts)).Values.Sum());
        Assert.Equal(JsonValueKind.Null, (await _admin.GetFromJsonAsync<JsonElement>("/api/channels/wc-burst/wecom")).GetProperty("syncError").ValueKind);

        // Disconnected: WeCom's way is deleted.
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/channels/wc-burst/wecom")).StatusCode);
        Assert.Null(_wecom.ContactWay(configId));
    }

    private async Task<Dictionary<string, int>> FriendsAsync(Dictionary<string, string> accounts)
    {
        var friends = new Dictionary<string, int>();
        foreach (var (user, id) in accounts) friends[user] = (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{id}")).GetProperty("friends").GetInt32();
        return friends;
    }
}
