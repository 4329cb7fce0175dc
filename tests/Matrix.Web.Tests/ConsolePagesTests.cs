using Matrix.Grains.Demo;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>Every console page on the demo matrix, in Chinese and in English, and Today on a phone; screenshots of each.</summary>
public sealed class ConsolePagesTests : IAsyncLifetime
{
    private static readonly string[] Pages = ["", "accounts", "channels", "customers", "plans", "calendar", "today", "tags", "team", "reports", "imports", "segments", "campaigns", "referrals", "group-codes", "wecom"];

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
        Assert.Equal(Pages.Length, (await page.Locator("header nav a:not([data-nav=cluster])").AllInnerTextsAsync()).Count);
        // Admins also get Orleans's dashboard, served behind the console's sign-in.
        Assert.Equal(culture == "en" ? "Cluster" : "集群", await page.InnerTextAsync("header nav a[data-nav=cluster]"));
        var dashboard = await page.Context.APIRequest.GetAsync(_address.TrimEnd('/') + "/dashboard/");
        Assert.Equal(200, dashboard.Status);
        Assert.Contains("<html", await dashboard.TextAsync(), StringComparison.OrdinalIgnoreCase);
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

    [Fact]
    public async Task Accounts_filter_by_fill_plans_turn_off_and_hand_tags_come_off_again()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "accounts");
        await page.SelectOptionAsync("[data-testid=filter-fill]", "BelowSoft");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('tr[data-account]').length === 8");
        await page.SelectOptionAsync("[data-testid=filter-fill]", "Full");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('tr[data-account]').length === 0");

        await browser.OpenAsync("plans", page);
        await page.Locator("[data-testid=plan-toggle][data-enabled=true]").First.ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=plan-toggle][data-enabled=false]");
        var plans = await _app.Services.GetRequiredService<Matrix.Grains.MatrixDirectory>().PlansAsync();
        Assert.Single(plans, p => !p.Plan.Enabled);

        var grains = _app.Services.GetRequiredService<IGrainFactory>();
        await grains.Get<Matrix.Grains.Customers.ITagCatalogGrain>(Matrix.Grains.Customers.TagCatalogGrain.Key).Define("eyes", ["近视"]);
        await browser.OpenAsync("customers", page);
        await page.FillAsync("[data-testid=customer-search]", "wx_demo_000001");
        await page.Locator("[data-testid=customers] td:has-text('wx_demo_000001')").ClickAsync();
        await page.SelectOptionAsync("[data-testid=tag-pick]", "近视");
        await page.ClickAsync("[data-testid=customer-profile] .inline button");
        await page.ClickAsync("[data-tag='近视'] button.untag");
        await page.WaitForSelectorAsync("[data-tag='近视']", new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        Assert.Empty((await grains.Get<Matrix.Grains.Customers.ICustomerGrain>("wx_demo_000001").Get()).Tags);
    }

    [Fact]
    public async Task Admins_keep_the_tag_list_and_a_new_channel_takes_its_tags_from_it()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "tags");
        Assert.Equal(2, await page.Locator("[data-testid=tag-dimensions] tr[data-dimension]").CountAsync()); // the demo's two
        await page.FillAsync("[data-testid=tag-dimension]", "场景");
        await page.FillAsync("[data-testid=tag-list]", "节日，门店活动");
        await page.ClickAsync("[data-testid=tag-save]");
        await page.WaitForSelectorAsync("tr[data-dimension='场景'] [data-tag='门店活动']");

        await browser.OpenAsync("channels", page);
        await page.ClickAsync("[data-testid=new-channel]");
        await page.FillAsync("[data-testid=channel-id]", "festival");
        await page.FillAsync("[data-testid=channel-name]", "节日展台");
        await page.FillAsync("[data-testid=channel-state]", "festival");
        await page.CheckAsync("[data-testid=channel-tags] input[data-tag='节日']");
        await page.ClickAsync("[data-testid=channel-save]");
        await page.WaitForSelectorAsync("tr[data-channel=festival]");

        var grains = _app.Services.GetRequiredService<IGrainFactory>();
        Assert.Equal(["节日"], (await grains.Get<Matrix.Grains.Channels.IChannelGrain>("festival").Get())!.Tags);
        Assert.Equal(["节日", "门店活动"], (await grains.Get<Matrix.Grains.Customers.ITagCatalogGrain>(Matrix.Grains.Customers.TagCatalogGrain.Key).Get()).Dimensions["场景"]);
    }

    [Fact]
    public async Task A_refused_save_says_why_in_the_readers_language()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "channels");
        await page.ClickAsync("[data-testid=new-channel]");
        await page.FillAsync("[data-testid=channel-id]", "Bad Id");
        await page.FillAsync("[data-testid=channel-name]", "门口");
        await page.FillAsync("[data-testid=channel-state]", "door");
        await page.ClickAsync("[data-testid=channel-save]");
        await page.WaitForSelectorAsync(".rz-notification-item:has-text('编号：须为 1-48 位小写字母、数字或连字符')");
        Assert.Null(await _app.Services.GetRequiredService<IGrainFactory>().Get<Matrix.Grains.Channels.IChannelGrain>("bad-id").Get());
    }
}
