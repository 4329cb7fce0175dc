using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Domain.Access;
using Matrix.Grains;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// Today as an operator's tool with 2,000 open tasks on a phone, and a lead running their team from the console: an
/// account given to an operator (who then sees it), its caps and shifts edited, every change audited.
/// </summary>
public sealed class TeamConsoleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(8));

    private readonly ManualTimeProvider _clock = new(Noon);
    private MatrixApp _app = null!;
    private string _address = "";
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("teamui"), time: _clock);
        _address = _app.StartKestrel();
        _admin = await _app.SignedInAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Today_with_2000_open_tasks_puts_the_first_accounts_work_one_scroll_away_on_a_phone_and_done_is_one_tap()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var accounts = new List<string>();
        for (var i = 0; i < 8; i++)
            accounts.Add(await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = $"lin_{i:D2}", kind = "PersonalWeChat" } }));
        var tasks = _app.Services.GetRequiredService<TaskStore>();
        for (var n = 0; n < 2_000; n++)
        {
            // Spread over the store's day: some overdue, some due now, most later today.
            var due = Noon.AddMinutes(-180 + n % 8 * 60 + n / 8 % 50);
            await tasks.AddAsync(new WorkTask(Guid.NewGuid(), accounts[n % 8], $"wx_c_{n:D4}", "message", $"第 {n} 条回访", due, "test", "open", null, null, null, null), Noon);
        }

        await using var browser = await ConsoleBrowser.LaunchAsync(_address, new ViewportSize { Width = 390, Height = 844 });
        var page = await browser.SignInAsync("root", "today");
        var first = page.Locator("section.queue article.task").First;
        await first.WaitForAsync();
        Assert.True(await page.Locator("article.task").CountAsync() <= 60, "a page shows one account, twenty tasks per group");
        var box = (await first.BoundingBoxAsync())!;
        Assert.True(box.Y + box.Height < 2 * 844, $"the first task ends at {box.Y + box.Height}px: more than one scroll down");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390);
        Assert.Equal("Overdue", await page.Locator("h3.urgency").First.GetAttributeAsync("data-urgency"));

        var id = Guid.Parse((await first.GetAttributeAsync("data-task"))!);
        await first.Locator("[data-testid=done]").ClickAsync();
        await page.WaitForSelectorAsync($"article[data-task='{id}']", new() { State = WaitForSelectorState.Detached });
        Assert.Equal("done", (await tasks.GetAsync(id))!.Status);

        // Another account is one choice away; its counts are in the list.
        var options = await page.Locator("[data-testid=today-account] option").AllInnerTextsAsync();
        Assert.Equal(8, options.Count);
        Assert.All(options, o => Assert.Contains("逾期", o));
    }

    [Fact]
    public async Task A_lead_gives_an_account_to_an_operator_who_then_sees_it_and_edits_caps_and_shifts_under_audit()
    {
        await _app.SignedInAsync("lead_n", OperatorRole.Lead, "north");
        await _app.SignedInAsync("op_n", OperatorRole.Operator, "north");
        var persona = await CreateAsync("/api/personas", new { nickname = "北区小北", team = "north" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "north_01", kind = "PersonalWeChat", team = "north" } });

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var lead = await browser.SignInAsync("lead_n", "accounts");
        await lead.Locator($"tr[data-account='{account}'] [data-testid=details]").ClickAsync();
        await lead.ClickAsync("[data-testid=edit-account]");
        await lead.SelectOptionAsync("[data-testid=account-operator]", "op_n");
        Assert.Equal(["north"], await lead.Locator("[data-testid=account-team] option").AllInnerTextsAsync()); // a lead's own team only
        await lead.FillAsync("[data-testid=account-daily-tasks]", "80");
        await lead.ClickAsync("[data-testid=shift-add]");
        await lead.ClickAsync("[data-testid=account-save]");
        await lead.WaitForSelectorAsync("[data-testid=account-form]", new() { State = WaitForSelectorState.Detached });

        var saved = (await _app.Services.GetRequiredService<MatrixDirectory>().AccountsAsync(ids: [account])).Single().Profile;
        Assert.Equal("op_n", saved.Operator);
        Assert.Equal(80, saved.Capacity.DailyTasks);
        Assert.Single(saved.Roster.Weekly);
        var audit = await _admin.GetFromJsonAsync<JsonElement>("/api/audit?limit=20");
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "account.updated" && e.GetProperty("actor").GetString() == "lead_n"
            && e.GetProperty("detail").GetString()!.Contains("operator=op_n"));

        // The operator now holds it: it is on their accounts page and in their Today; they are offered no manager's buttons.
        await using var phone = await ConsoleBrowser.LaunchAsync(_address);
        var op = await phone.SignInAsync("op_n", "accounts");
        await op.WaitForSelectorAsync($"tr[data-account='{account}']");
        Assert.Equal(0, await op.Locator("[data-testid=new-persona], [data-testid=new-account]").CountAsync());
        await op.Locator($"tr[data-account='{account}'] [data-testid=details]").ClickAsync();
        await op.WaitForSelectorAsync("[data-testid=account-details]");
        Assert.Equal(0, await op.Locator("[data-testid=edit-account], [data-testid=detail-role-save]").CountAsync());
        await phone.OpenAsync("today", op);
        await op.WaitForSelectorAsync("section.queue:has(h2:has-text('north_01'))");
    }

    private async Task<string> CreateAsync(string path, object body)
    {
        var response = await _admin.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
