using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>The reports page in Debian's Chromium on a UTC server: today's row in the store's calendar, a chart over a table, the files' links carrying the page's filter.</summary>
public sealed class ReportConsoleTests() : ConsoleTest("reportui")
{
    [Fact]
    public async Task Todays_adds_and_losses_show_in_the_chart_and_its_table_on_the_stores_date()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "小林" }));
        var account = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_report_ui", kind = "PersonalWeChat" } }));
        for (var i = 0; i < 3; i++)
            Assert.True((await _admin.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = $"r{i}", at = DateTimeOffset.UtcNow, idempotencyKey = $"r{i}" })).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsJsonAsync("/api/events/friend-deleted", new { accountId = account, externalId = "r0", at = DateTimeOffset.UtcNow, idempotencyKey = "d0" })).IsSuccessStatusCode);
        var today = _app.Services.GetRequiredService<StoreClock>().Today.ToString("yyyy-MM-dd");

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "reports");
        var row = page.Locator($"[data-testid=report-periods] tr[data-period='{today}']");
        await Assertions.Expect(row).ToContainTextAsync(today);
        Assert.Equal(["2", "3", "1", "0", "2"], (await row.Locator("td").AllInnerTextsAsync()).Skip(1).Take(5));
        await Assertions.Expect(page.Locator("[data-testid=report-growth] svg").First).ToBeVisibleAsync(); // the chart above the table
        await Assertions.Expect(page.Locator("[data-testid=report-scope]")).ToContainTextAsync("全部账号");
        await Assertions.Expect(page.Locator("[data-testid=report-losses] tr[data-customer='r0']")).ToContainTextAsync(today); // the latest losses, on the store's date

        await page.SelectOptionAsync("[data-testid=report-by]", "Month");
        await page.SelectOptionAsync("[data-testid=report-account]", account);
        await page.ClickAsync("[data-testid=report-show]");
        await Assertions.Expect(page.Locator("[data-testid=report-scope]")).ToContainTextAsync("账号 wx_report_ui");
        var csv = await page.Locator("[data-testid=report-growth] a[href*='format=csv']").GetAttributeAsync("href");
        Assert.Contains($"accountId={account}", csv);
        Assert.Contains("by=month", csv);
        var file = await page.Context.APIRequest.GetAsync(_address.TrimEnd('/') + csv);
        Assert.Contains(",2,3,1,0,2,", await file.TextAsync());

        // The other reports, one tab each, with the same filter: the account's row, the channel-less adds, tags not yet counted.
        await page.ClickAsync("[data-testid=report-view-accounts]");
        var accountRow = page.Locator($"[data-testid=report-account-rows] tr[data-account='{account}']");
        await Assertions.Expect(accountRow).ToContainTextAsync("wx_report_ui");
        var cells = await accountRow.Locator("td").AllInnerTextsAsync();
        Assert.Equal(("2", "3", "1"), (cells[1], cells[4], cells[5])); // friends, new, lost
        Assert.Contains($"accountId={account}", await page.Locator("[data-testid=report-accounts] a[href*='format=xlsx']").GetAttributeAsync("href"));
        await page.ClickAsync("[data-testid=report-view-channels]");
        await Assertions.Expect(page.Locator("[data-testid=report-channel-rows] tr[data-channel='']")).ToContainTextAsync("无渠道");
        await page.ClickAsync("[data-testid=report-view-tags]");
        await Assertions.Expect(page.Locator("[data-testid=report-tags-none]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-testid=report-view-repurchase]");
        await Assertions.Expect(page.Locator("[data-testid=report-repurchase-totals]")).ToContainTextAsync("0");
    }
}
