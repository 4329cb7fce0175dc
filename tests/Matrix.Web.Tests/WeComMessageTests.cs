using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Matrix.WeCom.Fake;

namespace Matrix.Web.Tests;

/// <summary>
/// A campaign's messages on a WeCom account go out through WeCom's mass-message API, against the fake WeCom server:
/// one add_msg_template for the member's customers with the same text, sent once however often synced; after the
/// member confirms, customers who already got another mass message today are refused by their quota (recorded with
/// WeCom's reason, the task skipped) and the others' tasks are done; both count in the message budget, so the next
/// campaign finds them over budget while a customer with no message this week gets theirs.
/// </summary>
public sealed class WeComMessageTests() : WeComTest("wecommessages", "ww_messages_test")
{
    // Quiet hours a minute long, twelve hours from now in the store's zone: the test's messages are due at once at any hour.
    protected override IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            var quiet = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime).Add(TimeSpan.FromHours(12));
            return new Dictionary<string, string> { ["Matrix:CapTouches"] = "1", ["Matrix:QuietFrom"] = quiet.ToString("HH:mm"), ["Matrix:QuietTo"] = quiet.AddMinutes(1).ToString("HH:mm") };
        }
    }

    [Fact]
    public async Task A_mass_message_refused_by_a_customers_quota_is_recorded_with_the_reason_and_counted_against_the_budget()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微门店" }));
        var account = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
            settings = new { weChatId = "wc_m", kind = "WeCom", capacity = new { hardCap = 5000, softCap = 3000, reserve = 0, dailyTasks = (int?)null } } }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/channels", new { id = "wc-msg", channel = new { name = "企微码", personaId = persona, state = "wc_msg" } }));
        for (var i = 1; i <= 4; i++) Assert.True(await _wecom.AddCustomerAsync(CorpId, "wc_m", $"wmM{i}", "wc_msg"));
        var segment = await IdAsync(await _admin.PostAsJsonAsync("/api/segments", new { name = "企微客户", predicate = new { field = "channel", @in = new[] { "wc-msg" } } }));
        await UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() == 4, "the segment never held the four");

        var first = await IdAsync(await _admin.PostAsJsonAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "会员日到了", schedule = new { repeat = "Once" } }));
        await UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{first}")).GetProperty("status").GetString() == "done", "the campaign never finished");

        // Two of the four already got another app's mass message today.
        _wecom.MassMessageReceivedElsewhere(CorpId, "wmM1");
        _wecom.MassMessageReceivedElsewhere(CorpId, "wmM2");
        Assert.True((await _admin.PostAsync("/api/wecom/messages/sync", null)).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsync("/api/wecom/messages/sync", null)).IsSuccessStatusCode); // a retry sends nothing twice
        var message = Assert.Single(_wecom.MassMessages());
        Assert.Equal(("wc_m", "会员日到了"), (message.Sender, message.Text));
        Assert.Equal(["wmM1", "wmM2", "wmM3", "wmM4"], message.Recipients.Keys.Order());
        Assert.All(await ListAsync(), m => Assert.Equal("submitted", m.GetProperty("status").GetString()));

        // The member confirms on the phone; WeCom refuses the two over quota.
        _wecom.ConfirmMassMessage(message.MsgId);
        await _admin.PostAsync("/api/wecom/messages/sync", null);
        var results = (await ListAsync()).ToDictionary(m => m.GetProperty("externalUserId").GetString()!);
        Assert.Equal(("quota", "already received another mass message"), (results["wmM1"].GetProperty("status").GetString(), results["wmM1"].GetProperty("reason").GetString()));
        Assert.Equal("quota", results["wmM2"].GetProperty("status").GetString());
        Assert.Equal("sent", results["wmM3"].GetProperty("status").GetString());
        Assert.Empty(await OpenMessagesAsync(account)); // two done by WeCom, two skipped with its reason

        // Both count: a second campaign this week finds the four over budget; a fifth customer, messaged by nobody, gets theirs.
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "wc_m", "wmM5", "wc_msg"));
        await UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() == 5, "the segment never held the fifth");
        var second = await IdAsync(await _admin.PostAsJsonAsync("/api/campaigns", new { name = "周末", segmentId = segment, template = "周末特惠", schedule = new { repeat = "Once" } }));
        await UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{second}")).GetProperty("status").GetString() == "done", "the second campaign never finished");
        var outcome = await _admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{second}/results");
        Assert.Equal("over_budget 4", string.Join(", ", outcome.GetProperty("skippedBy").EnumerateObject().Select(p => $"{p.Name} {p.Value}")));
        Assert.Equal(["wmM5"], (await OpenMessagesAsync(account)).Select(t => t.GetProperty("customerId").GetString()));
    }

    private async Task<List<JsonElement>> ListAsync() => [.. (await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/messages")).EnumerateArray()];

    private async Task<List<JsonElement>> OpenMessagesAsync(string account) =>
        [.. (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray().Where(t => t.GetProperty("kind").GetString() == "message")];
}
