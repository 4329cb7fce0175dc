using System.Net.Http.Json;
using Matrix.WeCom.Fake;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// The WeCom page in Debian's Chromium, against the fake WeCom server: an admin connects a channel's WeCom accounts as
/// a contact way (WeCom lists the member), sees it listed with its last sync, and disconnects it (WeCom's way is deleted).
/// </summary>
public sealed class WeComConsoleTests() : ConsoleTest("wecomconsole")
{
    private const string CorpId = "ww_console_ways", AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    [Fact]
    public async Task An_admin_connects_a_channel_as_a_contact_way_and_disconnects_it()
    {
        await using var wecom = await new FakeWeComServer(TimeProvider.System).StartAsync();
        wecom.AddCorp(new FakeCorp(CorpId, "1000002", "app-secret", "QDG6eK", AesKey) { CallbackUrl = $"{_address}/wecom/callback/{CorpId}" });
        Assert.True((await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "1000002", secret = "app-secret", token = "QDG6eK", aesKey = AesKey,
            apiBase = wecom.Url })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微门店" }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Traffic", status = "Active", settings = new { weChatId = "wc_door", kind = "WeCom" } }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/channels", new { id = "door", channel = new { name = "门口", personaId = persona, state = "door" } }));

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "wecom");
        var ways = page.Locator("[data-testid=wecom-contact-ways]");
        await ways.Locator("[data-testid=wecom-contact-way-channel]").SelectOptionAsync("door");
        await ways.Locator("[data-testid=wecom-contact-way-connect]").ClickAsync();
        var row = ways.Locator("[data-testid=wecom-contact-way][data-channel=door]");
        await Assertions.Expect(row.Locator("[data-testid=wecom-contact-way-users]")).ToHaveTextAsync("wc_door");
        var configId = (await _admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/channels/door/wecom")).GetProperty("configId").GetString()!;
        Assert.Equal(["wc_door"], wecom.ContactWay(configId)!.Users);

        await row.Locator("[data-testid=wecom-contact-way-delete]").ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.Null(wecom.ContactWay(configId));
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
    }

    [Fact]
    public async Task An_admin_sees_a_setup_error_in_plain_words_fixes_it_and_watches_the_sync_find_a_lost_customer()
    {
        const string corp = "ww_console_sync";
        await using var wecom = await new FakeWeComServer(TimeProvider.System).StartAsync();
        wecom.AddCorp(new FakeCorp(corp, "1000002", "app-secret", "QDG6eK", AesKey) { CallbackUrl = $"{_address}/wecom/callback/{corp}" });
        wecom.RefuseThisAddress = true; // the app's trusted IPs do not list this server
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/兴趣", new { tags = new[] { "咖啡" } })).IsSuccessStatusCode);
        wecom.CreateTagInConsole(corp, "饮品", "咖啡");
        Assert.True((await _admin.PutAsJsonAsync($"/api/wecom/corps/{corp}", new { agentId = "1000002", secret = "app-secret", token = "QDG6eK", aesKey = AesKey,
            apiBase = wecom.Url })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微同步" }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = "wc_sync", kind = "WeCom" } }));

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "wecom");
        var check = page.Locator($"[data-testid=wecom-corp-row][data-corp={corp}] [data-testid=wecom-app-check]");
        await Assertions.Expect(check).ToHaveAttributeAsync("data-code", "60020"); // asked when saved
        await Assertions.Expect(check).ToContainTextAsync("企业可信IP");
        var panel = page.Locator("[data-testid=wecom-sync]");
        await panel.Locator("[data-testid=wecom-sync-now]").ClickAsync();
        var row = panel.Locator($"[data-testid=wecom-sync-corp][data-corp={corp}]");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-kind", "Setup", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator("[data-testid=wecom-sync-error]")).ToContainTextAsync("企业可信IP");
        await Assertions.Expect(row.Locator("[data-testid=wecom-sync-error]")).ToContainTextAsync("需在企业微信后台修正的设置");

        // Fixed in WeCom's console; a customer whose add never reached Matrix is found by the sync asked for.
        wecom.RefuseThisAddress = false;
        await page.Locator($"[data-testid=wecom-corp-row][data-corp={corp}] [data-testid=wecom-check]").ClickAsync();
        await Assertions.Expect(check).ToContainTextAsync("已连接：应用「Matrix」");
        wecom.SeedCustomer(corp, "wc_sync", "wmLost1", DateTimeOffset.UtcNow.AddDays(-3));
        await panel.Locator("[data-testid=wecom-sync-now]").ClickAsync();
        var account = panel.Locator("[data-testid=wecom-sync-account][data-user=wc_sync]");
        await Assertions.Expect(account).ToContainTextAsync("1 / 1 / 0", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator("[data-testid=wecom-sync-error]")).ToHaveTextAsync("");
        await Assertions.Expect(panel.Locator("[data-testid=wecom-tag-conflict][data-tag=咖啡]")).ToContainTextAsync("饮品");
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
    }
}
