using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>Debian's Chromium driven by Playwright, signed in to a running console.</summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private IPlaywright _playwright = null!;
    private IBrowserContext _context = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string Url { get; private set; } = "";

    public static async Task<ConsoleBrowser> LaunchAsync(string serverAddress, ViewportSize? viewport = null)
    {
        var browser = new ConsoleBrowser { Url = serverAddress.Replace("[::]", "127.0.0.1").TrimEnd('/') };
        browser._playwright = await Playwright.CreateAsync();
        // The flags keep Chromium from reaching for the network at start (closed here).
        browser.Browser = await browser._playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        browser._context = await browser.Browser.NewContextAsync(new() { ViewportSize = viewport ?? new ViewportSize { Width = 1366, Height = 900 } });
        return browser;
    }

    /// <summary>A tab in the signed-in session; a script's alert fails the test (nothing a user typed may run).</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await _context.NewPageAsync();
        page.Dialog += (_, dialog) => throw new InvalidOperationException($"a script ran: {dialog.Message}");
        return page;
    }

    /// <summary>Opens a console page and waits until its circuit answers clicks.</summary>
    public async Task<IPage> OpenAsync(string path, IPage? page = null)
    {
        page ??= await NewPageAsync();
        await page.GotoAsync($"{Url}/{path}");
        await page.WaitForSelectorAsync("main[data-live=true]");
        return page;
    }

    public async Task<IPage> SignInAsync(string userName, string path)
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{Url}/sign-in?returnUrl=/{path}");
        await page.FillAsync("input[name=userName]", userName);
        await page.FillAsync("input[name=password]", MatrixApp.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync($"**/{path}");
        await page.WaitForSelectorAsync("main[data-live=true]");
        return page;
    }

    /// <summary>Picks an account in Today by its WeChat ID and waits for its queue.</summary>
    public static async Task<ILocator> TodayQueueAsync(IPage page, string weChatId)
    {
        if (await page.Locator("[data-testid=today-account]").CountAsync() > 0)
        {
            var value = await page.EvalOnSelectorAsync<string>("[data-testid=today-account]", "(s, id) => [...s.options].find(o => o.text.startsWith(id + ' ')).value", weChatId);
            await page.SelectOptionAsync("[data-testid=today-account]", value);
        }
        var queue = page.Locator($"section.queue:has(h2:has-text('{weChatId}'))");
        await queue.WaitForAsync();
        return queue;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
