using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Testing;
using Matrix.WeCom.Fake;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// A WeCom member leaves, against the fake WeCom server: the re-home sends their customers through the resigned
/// transfer API (a customer already transferred twice in 90 days left out by the planner, never sent), a retried
/// sync sends nobody twice, a refusal skips its task with WeCom's reason, and 24 hours later the takeovers' add
/// callbacks end the transfers (each customer counted once, on the takeover, not as a new friend). Then a banned
/// member's customers go through the on-job API, and with WeCom's callbacks lost a poll of transfer_result ends them.
/// </summary>
public sealed class WeComTransferTests() : WeComTest("wecomtransfers", "ww_transfer_test")
{
    private readonly ManualTimeProvider _weComTime = new(DateTimeOffset.UtcNow.AddHours(-50));

    protected override TimeProvider WeComTime => _weComTime;

    [Fact]
    public async Task A_leaving_members_customers_are_transferred_within_the_rules_and_each_transfer_is_followed_to_its_end()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微门店" }));
        var accounts = new Dictionary<string, string>();
        foreach (var user in new[] { "wc_a", "wc_b", "wc_c" })
            accounts[user] = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active",
                settings = new { weChatId = user, kind = "WeCom" } }));
        for (var i = 1; i <= 6; i++) Assert.True(await _wecom.AddCustomerAsync(CorpId, "wc_a", $"wmT{i}", null));
        Assert.Equal(6, await FriendsAsync(accounts["wc_a"]));
        // wmT1 was transferred twice in the last 90 days: WeCom would refuse a third, so the planner does not plan one.
        var grains = _app.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<ICustomerGrain>("wmT1").RecordTransfer(DateTimeOffset.UtcNow.AddDays(-40));
        await grains.GetGrain<ICustomerGrain>("wmT1").RecordTransfer(DateTimeOffset.UtcNow.AddDays(-20));

        // The member leaves the corp; the account is retired and re-homed: the resigned API, five customers.
        _wecom.Resign(CorpId, "wc_a");
        Assert.True((await _admin.PostAsJsonAsync($"/api/accounts/{accounts["wc_a"]}/status", new { status = "Retired" })).IsSuccessStatusCode);
        var plan = await (await _admin.PostAsJsonAsync($"/api/accounts/{accounts["wc_a"]}/rehome", new { operatorLeft = true })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, plan.GetProperty("planned").GetInt32());
        var unplaced = Assert.Single(plan.GetProperty("unplaced").EnumerateArray());
        Assert.Equal(("wmT1", "TransferLimit"), (unplaced.GetProperty("externalId").GetString(), unplaced.GetProperty("reason").GetString()));
        Assert.Empty(_wecom.TransfersOf("wmT1"));
        for (var i = 2; i <= 6; i++) Assert.True(Assert.Single(_wecom.TransfersOf($"wmT{i}")).Resigned);
        var waiting = await TransfersAsync();
        Assert.Equal(5, waiting.Count(t => t.GetProperty("status").GetString() == "waiting"));

        // A sync retried sends nobody twice; a customer refusing ends their transfer with WeCom's reason.
        await _admin.PostAsync("/api/wecom/transfers/sync", null);
        for (var i = 2; i <= 6; i++) Assert.Single(_wecom.TransfersOf($"wmT{i}"));
        await _wecom.RefuseTransferAsync("wmT6");
        Assert.Equal("refused", (await TransfersAsync()).Single(t => t.GetProperty("externalUserId").GetString() == "wmT6").GetProperty("status").GetString());
        Assert.DoesNotContain(await OpenTasksAsync(accounts["wc_a"]), t => t.GetProperty("customerId").GetString() == "wmT6");

        // 24 hours later WeCom hands the customers over: the takeovers' add callbacks end the transfers.
        _weComTime.Advance(TimeSpan.FromHours(24));
        await _wecom.CompleteDueTransfersAsync();
        Assert.All((await TransfersAsync()).Where(t => t.GetProperty("externalUserId").GetString() != "wmT6"), t => Assert.Equal("done", t.GetProperty("status").GetString()));
        var links = await _app.Services.GetRequiredService<CapacityLedger>().LinksAsync([.. Enumerable.Range(1, 6).Select(i => $"wmT{i}")]);
        for (var i = 2; i <= 5; i++)
        {
            Assert.Contains(Assert.Single(links[$"wmT{i}"], l => l.RemovedAt is null).AccountId, new[] { accounts["wc_b"], accounts["wc_c"] });
            Assert.Equal(accounts["wc_a"], Assert.Single(links[$"wmT{i}"], l => l.RemovedAt is not null).AccountId); // left the old member, not churned
        }
        Assert.Equal(accounts["wc_a"], Assert.Single(links["wmT1"]).AccountId);
        Assert.Equal(4, await FriendsAsync(accounts["wc_b"]) + await FriendsAsync(accounts["wc_c"]));
        Assert.Equal(2, await FriendsAsync(accounts["wc_a"])); // wmT1, and wmT6 who refused
        Assert.Single((await grains.GetGrain<ICustomerGrain>("wmT2").Get()).TransfersAt); // counted for the next re-home's 2-in-90 rule

        // B is banned: its customers go through the on-job API; WeCom's callbacks are lost, and a poll ends the transfers.
        var onB = (await _app.Services.GetRequiredService<CapacityLedger>().FriendsAsync(accounts["wc_b"], [])).ToList();
        Assert.NotEmpty(onB);
        Assert.True((await _admin.PostAsJsonAsync($"/api/accounts/{accounts["wc_b"]}/status", new { status = "Banned" })).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsJsonAsync($"/api/accounts/{accounts["wc_b"]}/rehome", new { })).IsSuccessStatusCode);
        Assert.All(onB, c => Assert.False(_wecom.TransfersOf(c)[^1].Resigned));
        _weComTime.Advance(TimeSpan.FromHours(24));
        await _wecom.CompleteDueTransfersAsync(notify: false);
        await _admin.PostAsync("/api/wecom/transfers/sync", null);
        Assert.Equal(0, await FriendsAsync(accounts["wc_b"]));
        Assert.Equal(4, await FriendsAsync(accounts["wc_c"]));
        Assert.All(onB, c => Assert.Equal(2, _wecom.TransfersOf(c).Count));
        Assert.Equal(2, (await grains.GetGrain<ICustomerGrain>(onB[0]).Get()).TransfersAt.Count);
    }

    private async Task<List<JsonElement>> TransfersAsync() => [.. (await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/transfers")).EnumerateArray()];

    private async Task<List<JsonElement>> OpenTasksAsync(string account) =>
        [.. (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray()];

    private async Task<int> FriendsAsync(string account) => (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}")).GetProperty("friends").GetInt32();
}
