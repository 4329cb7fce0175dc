using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>The import page in Debian's Chromium on a UTC server: a workbook checked, its verdicts shown in Chinese, committed with progress to the end.</summary>
public sealed class ImportConsoleTests() : ConsoleTest("importui")
{
    [Fact]
    public async Task A_lead_checks_a_workbook_sees_each_rows_verdict_in_chinese_and_watches_the_import_finish()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "小林" }));
        var account = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_lin_ui", kind = "PersonalWeChat" } }));
        var rows = Enumerable.Range(0, 300).Select(i => new string?[] { $"wx_ui_{i:D3}", null, $"1370000{i:D4}", $"顾客{i}", null, null, null, null, null, null, null, null, null }).ToList();
        rows[10][2] = "not-a-phone";
        rows[20][0] = rows[19][0];
        rows[30][0] = "wx ui 030"; // a WeChat ID has no spaces

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "imports");
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload
        {
            Name = "会员.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = ImportTests.Workbook(rows),
        });
        await page.SelectOptionAsync("[data-testid=import-account]", account);
        await page.ClickAsync("[data-testid=import-check]");

        var job = page.Locator("[data-testid=import-job][data-status=Checked]");
        await job.WaitForAsync();
        await Assertions.Expect(page.Locator("[data-verdict=Create]").First).ToHaveAttributeAsync("data-count", "297");
        await Assertions.Expect(page.Locator("[data-testid=import-verdicts] [data-verdict=Duplicate]")).ToHaveAttributeAsync("data-count", "1");
        await page.ClickAsync("[data-testid=import-verdicts] [data-verdict=Error]");
        await Assertions.Expect(page.Locator("[data-testid=import-rows] tr[data-row='12']")).ToContainTextAsync("手机号：");
        await Assertions.Expect(page.Locator("[data-testid=import-rows] tr[data-row='32']")).ToContainTextAsync("微信号：");
        await Assertions.Expect(page.Locator("[data-testid=import-failed-xlsx]")).ToBeVisibleAsync();

        // The time the file was read, in the store's zone (the server runs in UTC).
        var id = new Uri(page.Url).Query.Split('=')[1];
        var created = (await _admin.GetFromJsonAsync<JsonElement>($"/api/imports/{id}")).GetProperty("createdAt").GetDateTimeOffset();
        var clock = _app.Services.GetRequiredService<StoreClock>();
        await Assertions.Expect(job).ToContainTextAsync(clock.Local(created).ToString("yyyy-MM-dd HH:mm"));

        await page.ClickAsync("[data-testid=import-commit]");
        await page.Locator("[data-testid=import-job][data-status=Done]").WaitForAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=import-progress]")).ToHaveAttributeAsync("data-done", "297");
        await Assertions.Expect(page.Locator("[data-testid=import-progress]")).ToContainTextAsync("导入完成");
        Assert.Equal("顾客0", (await _admin.GetFromJsonAsync<JsonElement>("/api/customers/wx_ui_000")).GetProperty("profile").GetProperty("displayName").GetString());
        await Assertions.Expect(page.Locator($"[data-testid=import-jobs] tr[data-job='{id}']")).ToContainTextAsync("已导入");
    }
}
