using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// A new user's path through the interactive console in a real Chromium against a real Kestrel and PostgreSQL: set up
/// a persona, accounts, roles, a channel and a plan; a customer scans and is confirmed; the dashboard moves by itself;
/// the follow-up lands in Today and is done. The store clock is fake (10:00 in Shanghai) so the follow-up's time comes
/// when the test says; the browser, the circuit and the database are all real.
/// </summary>
public sealed class ConsoleJourneyTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(8));

    private readonly ManualTimeProvider _clock = new(Morning);
    private MatrixApp _app = null!;
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("journey"), time: _clock);
        _browser = await ConsoleBrowser.LaunchAsync(_app.StartKestrel());
        await _app.SignedInAsync(); // creates the admin "root"
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_new_user_builds_a_matrix_confirms_a_friend_and_works_the_follow_up()
    {
        var page = await _browser.SignInAsync("root", "accounts");

        // A persona and two sibling accounts.
        await page.ClickAsync("[data-testid=new-persona]");
        await page.FillAsync("[data-testid=persona-nickname]", "视光师小林");
        await page.ClickAsync("[data-testid=persona-save]");
        await page.WaitForSelectorAsync("[data-testid=persona-form]", new() { State = WaitForSelectorState.Detached });
        foreach (var weChatId in new[] { "lin_01", "lin_02" })
        {
            await page.ClickAsync("[data-testid=new-account]");
            await page.FillAsync("[data-testid=account-wechat]", weChatId);
            await page.SelectOptionAsync("[data-testid=account-status]", "Active");
            await page.FillAsync("[data-testid=account-qr]", $"https://qr.example/{weChatId}.png");
            await page.ClickAsync("[data-testid=account-save]");
            await page.WaitForSelectorAsync($"tr[data-account]:has-text('{weChatId}')");
        }
        Assert.Equal(2, await page.Locator("tr[data-account]").CountAsync());

        // Roles in bulk: both become sales accounts.
        foreach (var box in await page.Locator("tr[data-account] input[type=checkbox]").AllAsync()) await box.CheckAsync();
        await page.SelectOptionAsync("[data-testid=bulk-role]", "Sales");
        await page.ClickAsync("[data-testid=assign-role]");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('tr[data-account] [data-role=Sales]').length === 2");

        // A channel on the persona's siblings, and its live code.
        await page.ClickAsync("nav a[href=channels]");
        await page.ClickAsync("[data-testid=new-channel]");
        await page.FillAsync("[data-testid=channel-id]", "table-card");
        await page.FillAsync("[data-testid=channel-name]", "验光台桌卡");
        await page.FillAsync("[data-testid=channel-state]", "table_card");
        await page.ClickAsync("[data-testid=channel-save]");
        await page.WaitForSelectorAsync("tr[data-channel=table-card] [data-state=open]");

        // A follow-up plan: as soon as a friend is added (no delay).
        await page.ClickAsync("nav a[href=plans]");
        await page.FillAsync("[data-testid=plan-name]", "新好友问候");
        await page.FillAsync("[data-testid=plan-delay-days]", "0");
        await page.FillAsync("[data-testid=plan-delay-hours]", "0");
        await page.FillAsync("[data-testid=plan-template]", "{nickname}您好，我是{persona_name}");
        await page.ClickAsync("[data-testid=plan-save]");
        await page.WaitForSelectorAsync("[data-testid=plans] td:has-text('新好友问候')");
        await page.WaitForSelectorAsync("[data-testid=plans] tr:has-text('新好友问候') [data-testid=plan-rollout][data-step=Done]"); // reached (nobody yet)

        // The dashboard, open in its own tab, shows both accounts empty.
        var dashboard = await _browser.OpenAsync("");
        Assert.Equal(["0", "0"], await FriendsAsync(dashboard));

        // A customer scans the printed code: the page shows one of the two accounts' QR.
        var phone = await _browser.NewPageAsync();
        await phone.GotoAsync($"{_browser.Url}/c/table-card");
        var qr = await phone.Locator("img.qr").GetAttributeAsync("src");
        Assert.Contains(qr, new[] { "https://qr.example/lin_01.png", "https://qr.example/lin_02.png" });
        var chosen = qr!.Contains("lin_01") ? "lin_01" : "lin_02";

        // The operator confirms the add in Today; the dashboard's bar moves without a reload.
        await page.ClickAsync("nav a[href=today]");
        // The account being added comes first, and the confirmation starts from the held scan: only the WeChat ID is typed.
        await page.WaitForSelectorAsync("main[data-live=true]");
        var queue = await ConsoleBrowser.TodayQueueAsync(page, chosen);
        await queue.Locator("details.confirm summary").ClickAsync();
        Assert.True(await queue.Locator("[data-testid=scan][data-channel=table-card]").IsCheckedAsync());
        await queue.Locator("label[for=confirm-customer]").ClickAsync(); // the input has a label
        await page.Keyboard.TypeAsync("wx_customer_1");
        await queue.Locator("[data-testid=confirm-friend]").ClickAsync();
        await dashboard.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=fill] .fillbar')].some(b => b.dataset.friends === '1')");
        Assert.Equal(1, (await FriendsAsync(dashboard)).Count(f => f == "1"));
        var link = Assert.Single(await _app.Services.GetRequiredService<Matrix.Grains.Capacity.CapacityLedger>().LinksAsync("wx_customer_1"));
        Assert.Equal("table-card", link.ChannelId); // from the scan, not typed

        // The plan's touch falls due: it appears in Today by itself, and is marked done.
        _clock.Advance(TimeSpan.FromMinutes(2));
        var followUp = queue.Locator("article.task[data-kind=message]");
        await followUp.WaitForAsync(new() { Timeout = 20_000 });
        Assert.Contains("wx_customer_1您好，我是视光师小林", await followUp.Locator(".body").InnerTextAsync());
        await followUp.Locator("[data-testid=done]").ClickAsync();
        await followUp.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await dashboard.WaitForFunctionAsync("() => document.querySelector('[data-testid=tasks-done] b').textContent === '1'");

        // Signing out from the console's top bar ends the session: the console sends to sign-in again.
        await page.ClickAsync("form.signout button[type=submit]");
        await page.WaitForURLAsync("**/sign-in");
        await page.GotoAsync($"{_browser.Url}/today");
        Assert.Contains("/sign-in", page.Url);
    }

    private static async Task<string[]> FriendsAsync(IPage dashboard) =>
        await dashboard.Locator("[data-testid=fill] .fillbar").EvaluateAllAsync<string[]>("bars => bars.map(b => b.dataset.friends)");
}
