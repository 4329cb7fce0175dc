using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// 人群 and 群发活动 in Debian's Chromium on a UTC server: a segment built in the console counts live (and a broken
/// condition is told in Chinese), a campaign to it scheduled at a store time keeps that time, one sent now is placed
/// and reported per account, and the customer's profile says when and why they entered the segment.
/// </summary>
public sealed class CampaignConsoleTests() : ConsoleTest("campaignui")
{
    [Fact]
    public async Task A_segment_built_in_the_console_counts_live_and_a_campaign_to_it_is_placed_and_reported()
    {
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/member", new { tags = new[] { "会员" } })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "小林" }));
        var account = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_campaign_ui", kind = "PersonalWeChat" } }));
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await _admin.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = $"cu{i}", at = DateTimeOffset.UtcNow, idempotencyKey = $"cu{i}" })).IsSuccessStatusCode);
            if (i < 3) Assert.True((await _admin.PostAsJsonAsync($"/api/customers/cu{i}/tags", new { add = new[] { "会员" } })).IsSuccessStatusCode);
        }
        await ReportScript.FactsSettledAsync(_app.ConnectionString);

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "segments");
        // A condition left without its days is told in Chinese, naming the part; then the tag condition counts three.
        await page.SelectOptionAsync("[data-testid=segment-field]", "lastTouch");
        await page.FillAsync("[data-testid=segment-days]", "");
        await page.Locator("[data-testid=segment-days]").BlurAsync();
        await Assertions.Expect(page.Locator("[data-testid=segment-error]")).ToContainTextAsync("predicate");
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", await page.InnerTextAsync("[data-testid=segment-error]"));
        await page.SelectOptionAsync("[data-testid=segment-field]", "tags");
        await page.SelectOptionAsync("[data-testid=segment-values]", ["会员"]);
        await Assertions.Expect(page.Locator("[data-testid=segment-preview]")).ToHaveAttributeAsync("data-count", "3");
        await page.FillAsync("[data-testid=segment-name]", "会员");
        await page.ClickAsync("[data-testid=segment-save]");
        var members = page.Locator("[data-testid=segments] [data-testid=segment-members]");
        await Assertions.Expect(members).ToHaveAttributeAsync("data-counting", "false");
        await Assertions.Expect(members).ToHaveAttributeAsync("data-members", "3");
        var segment = (await _admin.GetFromJsonAsync<JsonElement>("/api/segments")).EnumerateArray().Single().GetProperty("id").GetString()!;
        // cu3 is tagged now: it enters the segment on the tag (the first three came in with its first count).
        Assert.True((await _admin.PostAsJsonAsync("/api/customers/cu3/tags", new { add = new[] { "会员" } })).IsSuccessStatusCode);
        for (var deadline = DateTime.UtcNow.AddMinutes(2); (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() != 4;)
        {
            Assert.True(DateTime.UtcNow < deadline, "cu3 never entered the segment");
            await Task.Delay(50);
        }

        // Scheduled for 10:00 tomorrow, the store's time (the server runs in UTC).
        await browser.OpenAsync("campaigns", page);
        await page.FillAsync("[data-testid=campaign-name]", "明天会员日");
        await page.SelectOptionAsync("[data-testid=campaign-segment]", segment);
        await Assertions.Expect(page.Locator("[data-testid=campaign-audience]")).ToHaveAttributeAsync("data-count", "4");
        await page.FillAsync("[data-testid=campaign-template]", "{nickname}，会员日到了");
        var tomorrow = _app.Services.GetRequiredService<StoreClock>().Today.AddDays(1);
        await page.FillAsync("[data-testid=campaign-at]", $"{tomorrow:yyyy-MM-dd}T10:00");
        await page.ClickAsync("[data-testid=campaign-save]");
        await Assertions.Expect(page.Locator("[data-testid=campaigns] tr:has-text('明天会员日')")).ToContainTextAsync($"{tomorrow:yyyy-MM-dd} 10:00");
        var scheduled = (await _admin.GetFromJsonAsync<JsonElement>("/api/campaigns")).EnumerateArray().Single(c => c.GetProperty("name").GetString() == "明天会员日");
        Assert.Equal(new DateTimeOffset(tomorrow.Year, tomorrow.Month, tomorrow.Day, 10, 0, 0, TimeSpan.FromHours(8)), scheduled.GetProperty("nextAt").GetDateTimeOffset());

        // Sent now: placed on the account's queue and reported per account.
        await page.FillAsync("[data-testid=campaign-name]", "今天会员日");
        await page.SelectOptionAsync("[data-testid=campaign-segment]", segment);
        await page.FillAsync("[data-testid=campaign-template]", "{nickname}，会员日到了");
        await page.ClickAsync("[data-testid=campaign-save]");
        var now = page.Locator("[data-testid=campaigns] tr:has-text('今天会员日')");
        await Assertions.Expect(now.Locator("[data-testid=campaign-status]")).ToHaveAttributeAsync("data-status", "done");
        await Assertions.Expect(now.Locator("[data-testid=campaign-progress]")).ToHaveAttributeAsync("data-pending", "0");
        await now.Locator("[data-testid=campaign-results-open]").ClickAsync();
        var row = page.Locator("[data-testid=campaign-result-row][data-account=wx_campaign_ui]");
        await Assertions.Expect(row).ToBeVisibleAsync();
        // Four placed: due now, or (in a Beijing evening) deferred past the store's quiet hours, all four or none.
        var cells = await row.Locator("td").AllInnerTextsAsync();
        Assert.Equal(["wx_campaign_ui", "4", "4"], cells.Take(3));
        Assert.Contains(cells[3], new[] { "0", "4" });
        Assert.Equal(["0", "0"], cells.Skip(4).Take(2));

        // The customer's profile: entered 会员 today, on a tag.
        await browser.OpenAsync("customers", page);
        await page.FillAsync("[data-testid=customer-search]", "cu3");
        await page.Locator("[data-testid=customers] tbody tr:has-text('cu3')").ClickAsync();
        var today = _app.Services.GetRequiredService<StoreClock>().Today;
        await Assertions.Expect(page.Locator("[data-testid=segment-history] li[data-entered=true]")).ToContainTextAsync($"{today:MM-dd} 进入「会员」：标签 +会员");
    }
}
