using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// 群活码 in Debian's Chromium: a code made in the console, a group linked with its QR image uploaded as a file; a
/// phone scanning the printed code gets that group's real QR; once the operator reports the group full, the console
/// warns and the phone meets the polite page.
/// </summary>
public sealed class GroupCodeConsoleTests() : ConsoleTest("groupcodeui")
{
    [Fact]
    public async Task A_group_code_made_in_the_console_serves_the_uploaded_QR_until_the_group_is_reported_full()
    {
        var persona = await _admin.PostAsJsonAsync("/api/personas", new { nickname = "小林" });
        Assert.True(persona.IsSuccessStatusCode);

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "group-codes");
        await page.FillAsync("[data-testid=group-code-name]", "会员福利群");
        await page.ClickAsync("[data-testid=group-code-save]");
        var code = page.Locator("[data-testid=group-code]");
        await code.WaitForAsync();
        await code.Locator("[data-testid=group-name]").FillAsync("福利 1 群");
        await code.Locator("[data-testid=group-add]").ClickAsync();
        var group = code.Locator("[data-testid=group]");
        await Assertions.Expect(group).ToHaveAttributeAsync("data-image-needed", "true");

        // The group's QR, as the operator saved it from WeChat: a PNG file.
        const string invite = "https://weixin.qq.com/g/AbCdEf123";
        var png = Convert.FromBase64String(Matrix.Web.ConsoleModel.QrImages.PngDataUrl(invite).Split(',')[1]);
        await group.Locator("[data-testid=group-image]").SetInputFilesAsync(new FilePayload { Name = "group.png", MimeType = "image/png", Buffer = png });
        await Assertions.Expect(group).ToHaveAttributeAsync("data-serves", "true");
        await Assertions.Expect(group).ToHaveAttributeAsync("data-image-needed", "false");

        var printed = await code.Locator("[data-testid=group-code-qr]").GetAttributeAsync("data-url");
        Assert.Equal(printed, await QrCodes.DecodeAsync(code.Locator("[data-testid=group-code-qr]")));
        var phone = await browser.NewPageAsync();
        await phone.GotoAsync(printed!);
        Assert.Equal(invite, await QrCodes.DecodeAsync(phone.Locator("img.qr")));
        Assert.Contains("福利 1 群", await phone.InnerTextAsync("[data-testid=group-name]"));

        // Counted on the phone: the group is full. The console warns; a new phone meets the polite page.
        await group.Locator("[data-testid=group-members]").FillAsync("200");
        await group.Locator("[data-testid=group-report]").ClickAsync();
        await Assertions.Expect(code).ToHaveAttributeAsync("data-all-full", "true");
        await Assertions.Expect(code.Locator("[data-testid=group-code-full]")).ToContainTextAsync("所有群都已满");
        using var anotherPhone = new HttpClient(); // no cookie: the first phone keeps its group, a new one does not
        Assert.Contains("群已满员", await anotherPhone.GetStringAsync(printed));
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
        var view = (await _admin.GetFromJsonAsync<JsonElement>("/api/group-codes"))[0];
        Assert.Equal(200, view.GetProperty("groups")[0].GetProperty("members").GetInt32());
    }
}
