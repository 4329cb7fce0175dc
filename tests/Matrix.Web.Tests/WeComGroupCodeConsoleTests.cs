using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Matrix.WeCom.Fake;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// A WeCom join way set up in Debian's Chromium against the fake WeCom server: leaving "when every group is full"
/// unchosen is refused in Chinese naming the field, and nothing is made; chosen, the way is made on WeCom, its QR is
/// shown, its groups are listed, and a group filled on WeCom shows as not listed after "count now".
/// </summary>
public sealed class WeComGroupCodeConsoleTests() : ConsoleTest("wecomgroupui")
{
    private const string CorpId = "ww_console_groups", AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    [Fact]
    public async Task A_join_way_set_up_in_the_console_lists_its_groups_and_drops_a_full_one()
    {
        await using var wecom = await new FakeWeComServer(TimeProvider.System).StartAsync();
        wecom.AddCorp(new FakeCorp(CorpId, "1000002", "app-secret", "QDG6eK", AesKey) { CallbackUrl = $"{_address}/wecom/callback/{CorpId}" });
        Assert.True((await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "1000002", secret = "app-secret", token = "QDG6eK", aesKey = AesKey,
            apiBase = wecom.Url })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微小林" }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = "linxiao", kind = "WeCom" } }));
        var code = await IdAsync(await _admin.PostAsJsonAsync("/api/group-codes", new { name = "企微福利群", personaId = persona }));
        var first = await wecom.CreateGroupAsync(CorpId, "linxiao", "企微福利1群", notify: false);
        var second = await wecom.CreateGroupAsync(CorpId, "linxiao", "企微福利2群", notify: false);

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "group-codes");
        var panel = page.Locator($"[data-testid=join-way][data-code='{code}']");
        await panel.Locator("[data-testid=join-way-chats]").FillAsync($"{first}\n{second}");
        await panel.Locator("[data-testid=join-way-soft-full]").FillAsync("5");
        await panel.Locator("[data-testid=join-way-save]").ClickAsync();
        await Assertions.Expect(page.Locator(".rz-notification-item").Last).ToContainTextAsync("群满时");
        Assert.Empty(wecom.JoinWayRequests);

        await panel.Locator("[data-testid=join-way-auto]").SelectOptionAsync("false");
        await panel.Locator("[data-testid=join-way-save]").ClickAsync();
        await Assertions.Expect(panel.Locator("[data-testid=join-way-qr]")).ToBeVisibleAsync();
        await Assertions.Expect(panel.Locator("[data-testid=join-way-listed]")).ToContainTextAsync("企微福利1群, 企微福利2群");
        var sent = Assert.Single(wecom.JoinWayRequests);
        Assert.Equal(0, sent["auto_create_room"]!.GetValue<int>());

        // Five join the first group on WeCom with no callback reaching Matrix; counting now drops it from the list.
        var configId = (await _admin.GetFromJsonAsync<JsonElement>($"/api/group-codes/{code}")).GetProperty("joinWay").GetProperty("configId").GetString()!;
        for (var i = 0; i < 5; i++) Assert.Equal(first, await wecom.JoinAsync(configId, $"wmUi{i}", notify: false));
        await panel.Locator("[data-testid=join-way-count]").ClickAsync();
        var row = page.Locator($"[data-testid=group]:has-text('企微福利1群')");
        await Assertions.Expect(row.Locator("[data-testid=group-listed]")).ToHaveTextAsync("未展示");
        await Assertions.Expect(panel.Locator("[data-testid=join-way-listed]")).Not.ToContainTextAsync("企微福利1群");
        Assert.Equal([second], wecom.JoinWay(configId)!.ChatIds);
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
    }
}
