using System.Net.Http.Json;
using Matrix.Domain.Access;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>The console in a real Chromium against a real Kestrel: signing in, and what an operator sees.</summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private MatrixApp _app = null!;
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _app = MatrixApp.OnDatabase(await TestPostgres.CreateDatabaseAsync("web"));
        _browser = await ConsoleBrowser.LaunchAsync(_app.StartKestrel());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _app.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string userName)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync($"{_browser.Url}/accounts");
        Assert.Contains("/sign-in", page.Url); // not signed in: sent to sign in first
        await page.FillAsync("input[name=userName]", userName);
        await page.FillAsync("input[name=password]", MatrixApp.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/accounts");
        await page.WaitForSelectorAsync("main[data-live=true]"); // the circuit is up and the page loaded
        return page;
    }

    [Fact]
    public async Task An_operator_signs_in_and_sees_only_their_accounts()
    {
        var admin = await _app.SignedInAsync();
        var world = await TwoTeams.SeedAsync(_app, admin);

        var page = await SignInAsync("op-north");
        var rows = await page.Locator("tr[data-account]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.account)");
        Assert.Equal([world["A.account"]], rows);
        Assert.Contains("账号", await page.TitleAsync()); // Chinese by default

        // A wrong password keeps them out, with the reason shown.
        var stranger = await _browser.Browser.NewPageAsync(); // a browser of its own, with no session
        await stranger.GotoAsync($"{_browser.Url}/sign-in");
        await stranger.FillAsync("input[name=userName]", "op-north");
        await stranger.FillAsync("input[name=password]", "not the password");
        await stranger.ClickAsync("button[type=submit]");
        await stranger.WaitForURLAsync("**/sign-in?failed=1");
        Assert.Equal(1, await stranger.Locator("[role=alert]").CountAsync());
    }

    [Fact]
    public async Task A_console_page_open_as_an_operator_who_is_disabled_stops_showing_data_within_seconds()
    {
        var admin = await _app.SignedInAsync();
        var world = await TwoTeams.SeedAsync(_app, admin);
        var page = await SignInAsync("op-north");
        Assert.Equal(1, await page.Locator($"tr[data-account='{world["A.account"]}']").CountAsync());

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await admin.PostAsync("/api/operators/op-north/disable", null)).StatusCode);
        // The open tab's circuit checks its session every few seconds: the page is replaced by the signed-out notice.
        await page.WaitForSelectorAsync("[data-testid=signed-out]", new() { Timeout = 15_000 });
        Assert.Equal(0, await page.Locator("tr[data-account]").CountAsync());
    }

    [Fact]
    public async Task A_persona_named_with_markup_renders_as_text()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var admin = await _app.SignedInAsync();
        await _app.SignedInAsync("op-x", OperatorRole.Operator, "north");
        var persona = await (await admin.PostAsJsonAsync("/api/personas", new { nickname = hostile, team = "north" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var created = await admin.PostAsJsonAsync("/api/accounts", new
        {
            personaId = persona.GetProperty("id").GetString(), role = "Sales", status = "Active",
            settings = new { weChatId = "wx_x", kind = "PersonalWeChat", @operator = "op-x", team = "north" },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        var page = await SignInAsync("op-x");
        Assert.Equal(hostile, await page.Locator("td.persona").InnerTextAsync());
        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
    }

    [Fact]
    public async Task An_admin_adds_an_operator_in_the_console_who_then_changes_their_password()
    {
        await _app.SignedInAsync(); // the admin "root"
        var admin = await _browser.OpenAsync("team", await SignInAsync("root"));
        await admin.FillAsync("[data-testid=operator-name]", "op-new");
        await admin.SelectOptionAsync("[data-testid=operator-role]", "Operator");
        await admin.FillAsync("[data-testid=operator-team]", "north");
        await admin.FillAsync("[data-testid=operator-password]", "first password 1");
        await admin.ClickAsync("[data-testid=operator-save]");
        await admin.WaitForSelectorAsync("[data-testid=operators] td:has-text('op-new')");

        await using var other = await ConsoleBrowser.LaunchAsync(_browser.Url); // a browser of its own, with no session
        var page = await other.NewPageAsync();
        await page.GotoAsync($"{other.Url}/sign-in?returnUrl=/team");
        await page.FillAsync("input[name=userName]", "op-new");
        await page.FillAsync("input[name=password]", "first password 1");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("main[data-live=true]");
        Assert.Equal(0, await page.Locator("[data-testid=operator-form]").CountAsync()); // operators do not manage people
        await page.FillAsync("[data-testid=password-current]", "first password 1");
        await page.FillAsync("[data-testid=password-new]", "my own password 2");
        await page.ClickAsync("[data-testid=password-save]");
        await page.WaitForSelectorAsync(".rz-notification-item:has-text('密码已修改')");

        var (outcome, _) = await _app.Services.GetRequiredService<Matrix.Web.Access.OperatorStore>().SignInAsync("op-new", "my own password 2");
        Assert.Equal(Matrix.Web.Access.SignInOutcome.SignedIn, outcome);
    }
}
