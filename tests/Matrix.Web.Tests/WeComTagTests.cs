using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>
/// Tags both ways against the fake WeCom server: a customer arriving through a WeCom channel gets the channel's tags
/// marked in WeCom; a tag given in Matrix while WeCom is down waits in the outbox (visible, with the failure) and is
/// marked when WeCom is back; a removal unmarks; a member's tag in WeCom's app reaches Matrix; a mirrored tag renamed
/// in WeCom's console is reported and no longer marked; a mark WeCom refuses for itself ends failed with its reason.
/// </summary>
public sealed class WeComTagTests() : WeComTest("wecomtags", "ww_tags_test")
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Matrix:WeComGroupSweep"] = "00:00:01",
        ["Matrix:WeComNightlySync"] = TimeOnly.FromDateTime(DateTime.UtcNow.AddHours(8 + 12)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Tags_follow_both_ways_and_a_mark_made_while_WeCom_is_down_is_sent_when_it_is_back()
    {
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/来源", new { tags = new[] { "门店", "直播" } })).IsSuccessStatusCode);
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/兴趣", new { tags = new[] { "咖啡", "茶" } })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微标签" }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = "wc_t1", kind = "WeCom" } }));
        var channel = await IdAsync(await _admin.PostAsJsonAsync("/api/channels",
            new { id = "wecom-tags", channel = new { name = "企微门店码", personaId = persona, state = "wt", tags = new[] { "门店" } } }));
        Assert.Equal(HttpStatusCode.Accepted, (await _admin.PostAsync("/api/wecom/sync", null)).StatusCode);
        await UntilAsync(async () => (await TagRowsAsync()).Count == 4 && (await TagRowsAsync()).All(t => t.GetProperty("tagId").ValueKind == JsonValueKind.String),
            "the tag list was not mirrored");

        // Through the channel's code: the channel's tag is on the customer in Matrix and marked in WeCom.
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "wc_t1", "wmT001", "wt"));
        await UntilAsync(() => Task.FromResult(_wecom.TagsOf(CorpId, "wc_t1", "wmT001").SequenceEqual(["门店"])), "the channel's tag was not marked in WeCom");

        // WeCom is down: the tag given in Matrix waits in the outbox, tried again, its failure shown.
        _wecom.Down = true;
        Assert.True((await _admin.PostAsJsonAsync("/api/customers/wmT001/tags", new { add = new[] { "咖啡" } })).IsSuccessStatusCode);
        var waiting = await OutboxAsync(o => o.GetProperty("status").GetString() == "pending" && o.GetProperty("attempts").GetInt32() >= 1);
        Assert.Equal((-2, "Transient"), (waiting.GetProperty("lastCode").GetInt32(), waiting.GetProperty("failureKind").GetString()));
        Assert.Contains("+咖啡", waiting.GetProperty("subject").GetString());
        Assert.Equal(["门店"], _wecom.TagsOf(CorpId, "wc_t1", "wmT001"));

        // Back: the call goes out (asked at once here rather than waiting for its retry) and nothing is lost.
        _wecom.Down = false;
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.PostAsync($"/api/wecom/outbox/{waiting.GetProperty("id").GetInt64()}/retry", null)).StatusCode);
        await OutboxAsync(o => o.GetProperty("id").GetInt64() == waiting.GetProperty("id").GetInt64() && o.GetProperty("status").GetString() == "done");
        Assert.Equal(["咖啡", "门店"], _wecom.TagsOf(CorpId, "wc_t1", "wmT001"));

        // A removal in Matrix unmarks; a member's tag in WeCom's app reaches Matrix.
        Assert.True((await _admin.PostAsJsonAsync("/api/customers/wmT001/tags", new { remove = new[] { "咖啡" } })).IsSuccessStatusCode);
        await UntilAsync(() => Task.FromResult(_wecom.TagsOf(CorpId, "wc_t1", "wmT001").SequenceEqual(["门店"])), "the removal was not unmarked in WeCom");
        var tea = _wecom.Tags(CorpId).Single(t => t.Name == "茶").Id;
        Assert.True(await _wecom.TagInAppAsync(CorpId, "wc_t1", "wmT001", tea));
        await UntilAsync(async () => (await TagsAsync("wmT001")).Contains("茶"), "the member's tag in WeCom did not reach Matrix");

        // The corp's admins rename a mirrored tag: reported, left as WeCom has it, and no longer marked.
        var live = _wecom.Tags(CorpId).Single(t => t.Name == "直播").Id;
        _wecom.RenameTag(live, "直播间");
        Assert.True(await _wecom.TagsChangedAsync(CorpId, live));
        await UntilAsync(async () => (await TagRowsAsync()).Single(t => t.GetProperty("tag").GetString() == "直播").GetProperty("conflict").GetString() == "renamed",
            "the rename in WeCom was not reported");
        Assert.Equal("直播间", (await TagRowsAsync()).Single(t => t.GetProperty("tag").GetString() == "直播").GetProperty("detail").GetString());
        var before = (await OutboxListAsync()).Count;
        Assert.True((await _admin.PostAsJsonAsync("/api/customers/wmT001/tags", new { add = new[] { "直播" } })).IsSuccessStatusCode);
        Assert.Equal(before, (await OutboxListAsync()).Count);
        Assert.Contains(_wecom.Tags(CorpId), t => t.Id == live && t.Name == "直播间");

        // The customer left the member with no callback Matrix heard: WeCom refuses the mark (84061), which ends failed with the reason.
        _wecom.ForgetCustomer(CorpId, "wc_t1", "wmT001");
        Assert.True((await _admin.PostAsJsonAsync("/api/customers/wmT001/tags", new { add = new[] { "咖啡" } })).IsSuccessStatusCode);
        var refused = await OutboxAsync(o => o.GetProperty("status").GetString() == "failed");
        Assert.Equal((84061, "Refused"), (refused.GetProperty("lastCode").GetInt32(), refused.GetProperty("failureKind").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/api/wecom/outbox/999999/retry", null)).StatusCode);
    }

    private async Task<JsonElement> StatusAsync() => await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/sync");

    private async Task<IReadOnlyList<JsonElement>> TagRowsAsync() => [.. (await StatusAsync()).GetProperty("tags").EnumerateArray()];

    private async Task<IReadOnlyList<JsonElement>> OutboxListAsync() => [.. (await StatusAsync()).GetProperty("outbox").EnumerateArray()];

    private async Task<IReadOnlyList<string>> TagsAsync(string customer) =>
        [.. (await _admin.GetFromJsonAsync<JsonElement>($"/api/customers/{customer}")).GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];

    private async Task<JsonElement> OutboxAsync(Func<JsonElement, bool> match)
    {
        JsonElement found = default;
        await UntilAsync(async () => (await OutboxListAsync()).FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } item && (found = item).ValueKind == JsonValueKind.Object,
            "the outbox did not come to the expected state");
        return found;
    }
}
