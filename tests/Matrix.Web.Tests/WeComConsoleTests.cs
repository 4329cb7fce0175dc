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
}
