using System.Net.Http.Json;
using System.Text.Json;
using Matrix.WeCom.Fake;

namespace Matrix.Web.Tests;

/// <summary>
/// Two corps in one matrix, against the fake WeCom server: the full sync finds which corp each WeCom account's member
/// is in; from then on each account's work goes through its own corp: the tag list is mirrored to each corp (each
/// with its own tag ids), a customer's tags are marked on the corp of the account they are a friend of, and a
/// campaign's messages go out as one mass message per corp, from that corp's member.
/// </summary>
public sealed class WeComMultiCorpTests() : WeComTest("wecommulticorp", "ww_multi_a")
{
    private const string Second = "ww_multi_b";

    protected override IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
            var later = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime).Add(TimeSpan.FromHours(12));
            return new Dictionary<string, string>
            {
                ["Matrix:WeComGroupSweep"] = "00:00:01",
                ["Matrix:WeComNightlySync"] = later.ToString("HH:mm"),
                // Quiet hours a minute long, twelve hours away: the campaign's messages are due at once at any hour.
                ["Matrix:QuietFrom"] = later.ToString("HH:mm"), ["Matrix:QuietTo"] = later.AddMinutes(1).ToString("HH:mm"),
            };
        }
    }

    [Fact]
    public async Task Each_accounts_tags_and_messages_go_through_the_corp_its_member_is_in()
    {
        _wecom.AddCorp(new FakeCorp(Second, AgentId, Secret, Token, AesKey) { CallbackUrl = $"{_address}/wecom/callback/{Second}" });
        Assert.True((await _admin.PutAsJsonAsync($"/api/wecom/corps/{Second}", new { agentId = AgentId, secret = Secret, token = Token, aesKey = AesKey, apiBase = _wecom.Url }))
            .IsSuccessStatusCode);
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/来源", new { tags = new[] { "门店" } })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "两个企业" }));
        var accounts = new Dictionary<string, string>();
        foreach (var (corp, user) in new[] { (CorpId, "wc_a"), (Second, "wc_b") })
        {
            _wecom.AddMember(corp, user);
            accounts[user] = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
                settings = new { weChatId = user, kind = "WeCom" } }));
        }
        await IdAsync(await _admin.PostAsJsonAsync("/api/channels", new { id = "multi", channel = new { name = "两企码", personaId = persona, state = "multi" } }));

        // The full sync tells which corp each member is in.
        await _admin.PostAsync("/api/wecom/sync", null);
        await UntilAsync(async () =>
        {
            var status = await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/sync");
            var corps = status.GetProperty("accounts").EnumerateArray().Where(a => a.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String)
                .ToDictionary(a => a.GetProperty("userId").GetString()!, a => a.GetProperty("corpId").GetString());
            return corps.GetValueOrDefault("wc_a") == CorpId && corps.GetValueOrDefault("wc_b") == Second
                   && status.GetProperty("tags").EnumerateArray().Count(t => t.GetProperty("tagId").ValueKind == JsonValueKind.String) == 2;
        }, "the sync did not place each account in its corp");
        var storeTags = new[] { CorpId, Second }.Select(c => _wecom.Tags(c).Single(t => t.Name == "门店").Id).ToList();
        Assert.Equal(2, storeTags.Distinct().Count()); // each corp its own tag

        // A customer of each; tagged in Matrix, marked on their own corp's relationship.
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "wc_a", "wmA1", "multi"));
        Assert.True(await _wecom.AddCustomerAsync(Second, "wc_b", "wmB1", "multi"));
        foreach (var customer in new[] { "wmA1", "wmB1" })
            Assert.True((await _admin.PostAsJsonAsync($"/api/customers/{customer}/tags", new { add = new[] { "门店" } })).IsSuccessStatusCode);
        await UntilAsync(() => Task.FromResult(_wecom.TagsOf(CorpId, "wc_a", "wmA1").SequenceEqual(["门店"]) && _wecom.TagsOf(Second, "wc_b", "wmB1").SequenceEqual(["门店"])),
            "the tags were not marked on each corp");

        // A campaign to both: one mass message per corp, from its own member.
        var segment = await IdAsync(await _admin.PostAsJsonAsync("/api/segments", new { name = "两企客户", predicate = new { field = "channel", @in = new[] { "multi" } } }));
        await UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() == 2, "the segment never held both");
        var campaign = await IdAsync(await _admin.PostAsJsonAsync("/api/campaigns", new { name = "两企活动", segmentId = segment, template = "周年庆", schedule = new { repeat = "Once" } }));
        await UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}")).GetProperty("status").GetString() == "done", "the campaign never finished");
        Assert.True((await _admin.PostAsync("/api/wecom/messages/sync", null)).IsSuccessStatusCode);
        var messages = _wecom.MassMessages().OrderBy(m => m.CorpId, StringComparer.Ordinal).Select(m => (m.CorpId, m.Sender, string.Join(",", m.Recipients.Keys))).ToList();
        Assert.Equal([(CorpId, "wc_a", "wmA1"), (Second, "wc_b", "wmB1")], messages);
        var rows = (await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/messages")).EnumerateArray().ToDictionary(m => m.GetProperty("externalUserId").GetString()!, m => m.GetProperty("corpId").GetString());
        Assert.Equal((CorpId, Second), (rows["wmA1"], rows["wmB1"]));
    }
}
