using Matrix.Grains.Demo;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>Every console page on the demo matrix, in Chinese and in English, and Today on a phone; screenshots of each.</summary>
public sealed class ConsolePagesTests : IAsyncLifetime
{
    private static readonly string[] Pages = ["", "accounts", "channels", "customers", "plans", "calendar", "today", "team"];

    /// <summary>Where the screenshots go (the best are copied by hand into docs/screenshots).</summary>
    private static readonly string Shots = Environment.GetEnvironmentVariable("MATRIX_SCREENSHOTS")
        ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(8)));
    private MatrixApp _app = null!;
    private string _address = "";

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("pages"), time: _clock);
        _address = _app.StartKestrel();
        await _app.SignedInAsync();
        await _app.Services.GetRequiredService<DemoMatrix>().LoadAsync(customers: 300);
        Directory.CreateDirectory(Shots);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en")]
    public async Task Every_page_renders_in_both_languages_with_no_missing_text(string culture)
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "");
        if (culture == "en")
        {
            await page.ClickAsync("[data-culture=en]");
            await page.WaitForSelectorAsync("html[lang=en] main[data-live=true]");
        }
        foreach (var path in Pages)
        {
            await browser.OpenAsync(path, page);
            Assert.Equal(culture, await page.GetAttributeAsync("html", "lang"));
            var text = await page.InnerTextAsync("main");
            Assert.DoesNotContain("Role.", text); // an enum key shown raw
            Assert.DoesNotContain("Status.", text);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, $"{(path == "" ? "dashboard" : path)}.{culture}.png"), FullPage = true });
        }
        Assert.Equal(Pages.Length, (await page.Locator("header nav a").AllInnerTextsAsync()).Count);
        Assert.DoesNotContain(_app.Logs, l => l.Contains("Missing console text"));
        // The demo is alive: accounts listed with their fill, and a chart of arrivals.
        await browser.OpenAsync("", page);
        Assert.Equal(8, await page.Locator("[data-testid=fill] tr[data-account]").CountAsync());
    }

    [Fact]
    public async Task Today_fits_a_phone_without_horizontal_scrolling()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address, new ViewportSize { Width = 390, Height = 844 });
        var page = await browser.SignInAsync("root", "today");
        Assert.True(await page.Locator("article.task").CountAsync() > 0, "the demo gives the queues some work");
        var (scrollWidth, viewport) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
        Assert.True(scrollWidth <= viewport, $"page is {scrollWidth}px wide on a {viewport}px screen");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "today.phone.png") });
    }
}
