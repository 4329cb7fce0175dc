using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Demo;
using Matrix.Grains.Moments;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// The console as a Chinese ops team meets it (#15), in Debian's Chromium, on a server whose own zone is UTC while the
/// store is in Asia/Shanghai: one language on every page and in every refusal, the store's clock everywhere, the
/// demo's story, live codes with real QR codes, a channel without accounts, and a page fault that leaves the page usable.
/// </summary>
public sealed partial class ConsoleForATeamTests : IAsyncLifetime
{
    // 19:37 in Beijing is 11:37 on the server: a time shown in the server's zone is caught at once.
    private static readonly DateTimeOffset Evening = new(2026, 11, 23, 19, 37, 0, TimeSpan.FromHours(8));

    private readonly ManualTimeProvider _clock = new(Evening);
    private MatrixApp _app = null!;
    private string _address = "";
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("team"), time: _clock);
        _address = _app.StartKestrel();
        _admin = await _app.SignedInAsync();
        await _app.Services.GetRequiredService<DemoMatrix>().LoadAsync(customers: 300);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void The_server_runs_in_UTC_and_the_store_in_Shanghai()
    {
        Assert.Equal(TimeSpan.Zero, TimeZoneInfo.Local.GetUtcOffset(Evening)); // ops/test.sh runs the tests with TZ=Etc/UTC
        Assert.Equal(TimeSpan.FromHours(8), _app.Services.GetRequiredService<StoreClock>().Zone.GetUtcOffset(Evening));
    }

    [Fact]
    public async Task Every_page_stays_Chinese_before_and_after_a_live_update()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "");
        foreach (var path in new[] { "", "accounts", "channels", "customers", "plans", "calendar", "today", "tags", "team", "reports", "imports" })
        {
            await browser.OpenAsync(path, page);
            await AssertChineseAsync(page, path);
        }

        // A change made elsewhere reloads the open page on another thread: it must keep the reader's language.
        var changes = new (string Path, Func<IPage, Task> Change)[]
        {
            ("", _ => AddFriendAsync("lin_optics_01", "wx_live_1", "table-card")),
            ("accounts", _ => AddFriendAsync("lin_optics_01", "wx_live_2", "table-card")),
            ("channels", _ => ApiAsync(HttpMethod.Post, "/api/channels", new { id = "live-door", channel = new { name = "门口海报", personaId = "p-demo-optician", state = "live_door" } })),
            ("today", async p =>
            {
                var account = await p.GetAttributeAsync("section.queue", "data-queue");
                await _app.Services.GetRequiredService<Matrix.Grains.Tasks.TaskStore>().AddAsync(new Matrix.Grains.Tasks.WorkTask(Guid.NewGuid(), account!, "wx_live_3", "message",
                    "晚上好，新到的镜框可以来试戴", _clock.GetUtcNow(), "test", "open", null, null, null, null), _clock.GetUtcNow());
            }),
        };
        foreach (var (path, change) in changes)
        {
            await browser.OpenAsync(path, page);
            var before = await page.InnerTextAsync("main");
            await change(page);
            await page.WaitForFunctionAsync("before => document.querySelector('main').innerText !== before", before, new() { Timeout = 20_000 });
            await AssertChineseAsync(page, $"{path} after a live update");
        }
        Assert.DoesNotContain(_app.Logs, l => l.Contains("Missing console text"));
    }

    [Fact]
    public async Task Every_refusal_the_console_shows_names_the_field_as_the_form_does_in_Chinese()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "channels");
        var refusals = new List<string>();

        await page.ClickAsync("[data-testid=new-channel]");
        await page.FillAsync("[data-testid=channel-id]", "Bad Id");
        refusals.Add(await RefusalAsync(page, "[data-testid=channel-save]", "编号：", "名称：必填", "渠道标识：必填"));

        await browser.OpenAsync("accounts", page);
        await page.ClickAsync("[data-testid=new-persona]");
        refusals.Add(await RefusalAsync(page, "[data-testid=persona-save]", "昵称：必填"));
        await page.ClickAsync("[data-testid=new-account]");
        await page.FillAsync("[data-testid=account-wechat]", "lin_optics_99");
        await page.FillAsync("[data-testid=account-soft-cap]", "6000");
        await page.FillAsync("[data-testid=account-reserve]", "-1");
        refusals.Add(await RefusalAsync(page, "[data-testid=account-save]", "软上限：不能高于硬上限", "预留名额：不能为负数"));
        await page.FillAsync("[data-testid=account-wechat]", "lin_optics_02"); // the demo's
        await page.FillAsync("[data-testid=account-soft-cap]", "3000");
        await page.FillAsync("[data-testid=account-reserve]", "50");
        refusals.Add(await RefusalAsync(page, "[data-testid=account-save]", "微信号：已是另一个账号的微信号"));

        await browser.OpenAsync("plans", page);
        refusals.Add(await RefusalAsync(page, "[data-testid=plan-save]", "名称：必填", "话术：必填"));

        await browser.OpenAsync("calendar", page);
        refusals.Add(await RefusalAsync(page, "[data-testid=post-save]", "文案：必填"));
        await page.FillAsync("[data-testid=post-text]", "深夜发一条");
        await page.FillAsync("[data-testid=post-at]", "2026-11-25T23:00");
        refusals.Add(await RefusalAsync(page, "[data-testid=post-save]", "发布时间：落在免打扰时段"));

        await browser.OpenAsync("customers", page);
        await page.FillAsync("[data-testid=customer-search]", "wx_demo_000001");
        await page.Locator("[data-testid=customers] tbody tr:has-text('wx_demo_000001')").ClickAsync();
        await page.FillAsync("[data-testid=profile-phone]", "call me");
        await page.ClickAsync("[data-testid=attribute-add]");
        await page.Locator("[data-testid=attribute-key]").Last.FillAsync("Birthday!");
        await page.Locator("[data-testid=attribute-value]").Last.FillAsync("2026-02-30");
        refusals.Add(await RefusalAsync(page, "[data-testid=profile-save]", "手机号：", "属性 Birthday!：名称须为", "不是有效日期"));

        await browser.OpenAsync("today", page);
        await page.ClickAsync("details.confirm summary");
        refusals.Add(await RefusalAsync(page, "[data-testid=confirm-friend]", "客户微信号：必填"));
        if (await page.Locator("[data-testid=skip]").CountAsync() > 0)
        {
            await page.Locator("[data-testid=skip]").First.ClickAsync();
            refusals.Add(await RefusalAsync(page, "[data-testid=skip-confirm]", "原因：请填写跳过的原因"));
        }

        await browser.OpenAsync("tags", page);
        refusals.Add(await RefusalAsync(page, "[data-testid=tag-save]", "维度：必填"));

        await browser.OpenAsync("team", page);
        await page.FillAsync("[data-testid=password-current]", "not my password at all");
        await page.FillAsync("[data-testid=password-new]", "another long password");
        refusals.Add(await RefusalAsync(page, "[data-testid=password-save]", "当前密码：不正确"));
        await page.FillAsync("[data-testid=operator-name]", "x");
        await page.FillAsync("[data-testid=operator-password]", "short");
        refusals.Add(await RefusalAsync(page, "[data-testid=operator-save]", "用户名："));

        Assert.All(refusals, r => Assert.Empty(EnglishWords(r)));
        Assert.DoesNotContain(_app.Logs, l => l.Contains("Missing console text"));
    }

    [Fact]
    public async Task Times_are_the_stores_on_a_UTC_server_and_the_plan_delay_counts_hours()
    {
        await AddFriendAsync("angie_style_01", "wx_evening_1", "checkout"); // checkout welcomes: a task due now, 19:37 in Beijing
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "today");
        await ConsoleBrowser.TodayQueueAsync(page, "angie_style_01");
        Assert.Contains("19:37", await page.Locator("article.task[data-kind=welcome] time").First.InnerTextAsync());

        await browser.OpenAsync("plans", page);
        await page.FillAsync("[data-testid=plan-delay-days]", "1");
        await page.FillAsync("[data-testid=plan-delay-hours]", "1");
        await page.Locator("[data-testid=plan-delay-hours]").BlurAsync();
        await page.WaitForSelectorAsync("[data-testid=plan-preview]:has-text('2026-11-24 20:37')"); // not 12:37, not the day after at 09:00

        await browser.OpenAsync("customers", page);
        await page.FillAsync("[data-testid=customer-search]", "wx_evening_1");
        await page.Locator("[data-testid=customers] tbody tr:has-text('wx_evening_1')").ClickAsync();
        Assert.Contains("2026-11-23 19:37", await page.InnerTextAsync("[data-testid=timeline]"));
        Assert.Contains("2026-11-23 19:37", await page.InnerTextAsync("[data-testid=planned-touches]"));
    }

    [Fact]
    public async Task A_post_dragged_on_a_UTC_server_lands_at_the_intended_Beijing_time()
    {
        var calendar = _app.Services.GetRequiredService<IGrainFactory>().Get<ICalendarGrain>("p-demo-optician");
        var (id, planned) = (await calendar.Get()).Posts.Select(p => (p.Key, p.Value.Post.PlannedAt)).Where(p => p.PlannedAt.ToOffset(TimeSpan.FromHours(8)).Hour == 10)
            .OrderBy(p => p.PlannedAt).First();
        var target = planned.ToOffset(TimeSpan.FromHours(8)).AddDays(1); // the next day, same time: 10:00 in Beijing
        // That day's own 10:00 post moves to the afternoon first, so the persona's two-hours-apart rule lets the drop in.
        var sameSlot = (await calendar.Get()).Posts.Single(p => p.Value.Post.PlannedAt == target).Key;
        await calendar.Move(sameSlot, target.AddHours(5));
        // This is about the time the drop lands at, not the persona's rules (tested on their own): loosened, so that
        // whatever the demo put on that day (three posts, one an hour off, the week's offers) lets the post in.
        await calendar.SetRules(new Matrix.Domain.Moments.CalendarRules(MaxPerDay: 20, MinHoursBetween: 0, OfferShareMax: 1));

        // A screen tall enough for the whole month: a drag whose drop needs the page scrolled is not what this is about.
        await using var browser = await ConsoleBrowser.LaunchAsync(_address, new() { Width = 1600, Height = 1400 });
        var page = await browser.SignInAsync("root", "calendar");
        await page.SelectOptionAsync("[data-testid=calendar-persona]", "p-demo-optician");
        await page.ClickAsync(".rz-scheduler button:has-text('月')");
        // The post as the month shows it: the week view, shown first, may hold the same post and is replaced by the month.
        var post = page.Locator($".rz-month-view [data-post='{id}']");
        await post.WaitForAsync();
        var day = page.Locator($".rz-month-view .rz-slot").Nth(await SlotIndexAsync(page, target.Date));
        var moved = page.Locator(".rz-notification-item:has-text('已改期')");
        // A synthetic drag on a loaded machine can end before the circuit has wired the month's handlers; a drop that did
        // not reach the server changed nothing, so dragging again is the same request, and a second drop on the same day is
        // the same move.
        for (var attempt = 1; ; attempt++)
        {
            await post.DragToAsync(day, new() { TargetPosition = new() { X = 6, Y = 6 } }); // the corner: the middle holds that day's posts
            try { await moved.First.WaitForAsync(new() { Timeout = 15_000 }); break; }
            catch (TimeoutException) when (attempt < 3) { }
        }
        Assert.Equal(target, (await calendar.Get()).Posts[id].Post.PlannedAt);
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
    }

    [Fact]
    public async Task Live_codes_and_print_cards_carry_real_QR_codes_and_an_unknown_code_is_a_friendly_page()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "channels/table-card/print");
        var printed = page.Locator("[data-testid=print-qr]");
        Assert.Equal(await printed.GetAttributeAsync("data-url"), await QrCodes.DecodeAsync(printed));
        Assert.EndsWith("/c/table-card", await printed.GetAttributeAsync("data-url"));
        Assert.Contains("微信扫一扫", await page.InnerTextAsync("[data-testid=print-card]"));

        var phone = await browser.NewPageAsync();
        await phone.GotoAsync($"{browser.Url}/c/table-card");
        var weChatId = await QrCodes.DecodeAsync(phone.Locator("img.qr")); // the demo's accounts have no QR image: their WeChat ID is drawn
        Assert.StartsWith("lin_optics_0", weChatId);
        Assert.Contains(weChatId!, await phone.InnerTextAsync("[data-testid=wechat-id]"));

        var unknown = await phone.GotoAsync($"{browser.Url}/c/no-such-code");
        Assert.Equal((int)HttpStatusCode.NotFound, unknown!.Status);
        var text = await phone.InnerTextAsync("body");
        Assert.Contains("二维码已失效", text);
        Assert.DoesNotContain("{", text);
    }

    [Fact]
    public async Task A_channel_on_a_persona_without_accounts_says_so_and_opens_once_accounts_come()
    {
        var persona = await ApiAsync(HttpMethod.Post, "/api/personas", new { nickname = "新店小周" });
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "channels");
        await page.ClickAsync("[data-testid=new-channel]");
        await page.FillAsync("[data-testid=channel-id]", "new-store");
        await page.FillAsync("[data-testid=channel-name]", "新店开业");
        await page.FillAsync("[data-testid=channel-state]", "new_store");
        await page.SelectOptionAsync("[data-testid=channel-pool]", $"persona:{persona}");
        await page.ClickAsync("[data-testid=channel-save]");
        await page.WaitForSelectorAsync("tr[data-channel=new-store] [data-state=no-accounts]");

        await ApiAsync(HttpMethod.Post, "/api/accounts", new { personaId = persona, role = "Traffic", status = "Active", settings = new { weChatId = "zhou_new_01", kind = "PersonalWeChat" } });
        await page.WaitForSelectorAsync("tr[data-channel=new-store] [data-state=open]", new() { Timeout = 20_000 }); // live, no reload
        var scan = await _app.CreateClient().GetAsync("/c/new-store");
        Assert.Contains("zhou_new_01", await scan.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_demo_tells_one_story()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "");
        var addsToday = await page.Locator("[data-testid=fill] tr[data-account] td:nth-child(5)").AllInnerTextsAsync();
        Assert.Equal(8, addsToday.Count);
        Assert.All(addsToday, cell => Assert.DoesNotContain("∞", cell)); // budgets set
        var today = addsToday.Sum(cell => int.Parse(cell.Split('/')[0].Trim()));
        Assert.InRange(today, 1, 299 / 5); // today's share of thirty days, not every friend

        await browser.OpenAsync("channels", page);
        var scans = await page.Locator("[data-testid=channels] tbody tr td:nth-child(5)").AllInnerTextsAsync();
        Assert.True(scans.Sum(int.Parse) > 300, "every friend scanned first, and some scanned without adding");

        // Work is spread: nothing overdue at once, some due today, and touches planned across the coming days.
        var tasks = _app.Services.GetRequiredService<Matrix.Grains.Tasks.TaskStore>();
        var open = await tasks.DueAsync([.. (await _app.Services.GetRequiredService<MatrixDirectory>().AccountsAsync()).Select(a => a.Id)], Evening.AddDays(30));
        Assert.DoesNotContain(open, t => t.DueAt < Evening.AddHours(-1));
        Assert.Contains(open, t => t.DueAt.ToOffset(TimeSpan.FromHours(8)).Date == Evening.Date);
        var reader = _app.Services.GetRequiredService<Matrix.Grains.Customers.CustomerReader>();
        var plans = (await _app.Services.GetRequiredService<MatrixDirectory>().PlansAsync()).ToDictionary(p => p.Id, p => p.Plan);
        var zone = _app.Services.GetRequiredService<Matrix.Grains.StoreClock>().Zone;
        var planned = new List<DateTimeOffset>();
        for (var i = 0; i < 300; i += 3)
            if (await reader.GetAsync($"wx_demo_{i:D6}") is { } customer) planned.AddRange(customer.State.Plans.Select(r => r.Value.DueAt(plans[r.Key], zone)));
        Assert.DoesNotContain(planned, at => at < Evening);
        Assert.True(planned.Select(at => at.ToOffset(TimeSpan.FromHours(8)).Date).Distinct().Count() >= 10, "touches fall due across the coming days");
    }

    [Fact]
    public async Task A_fault_on_a_page_is_told_in_Chinese_logged_and_the_page_recovers()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "customers");
        await using var db = new NpgsqlConnection(_app.ConnectionString);
        await db.OpenAsync();
        await new NpgsqlCommand("alter table customer_index rename to customer_index_away", db).ExecuteNonQueryAsync();
        try
        {
            await page.FillAsync("[data-testid=customer-search]", "wx_demo");
            await page.WaitForSelectorAsync("[data-testid=page-fault]:has-text('页面出错了')");
            Assert.Contains(_app.Logs, l => l.Contains("customer_index"));
        }
        finally
        {
            await new NpgsqlCommand("alter table customer_index_away rename to customer_index", db).ExecuteNonQueryAsync();
        }
        await page.ClickAsync("[data-testid=page-fault] button");
        await page.FillAsync("[data-testid=customer-search]", "wx_demo_000002");
        await page.WaitForSelectorAsync("[data-testid=customers] tbody tr:has-text('wx_demo_000002')");
    }

    [Fact]
    public async Task The_small_things_a_team_notices()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "");

        // The 30-day chart's dates do not overlap.
        await page.WaitForSelectorAsync(".rz-chart svg text");
        var labels = await page.EvaluateAsync<double[][]>("""
            () => [...document.querySelectorAll('.rz-category-axis text')].filter(t => /\d\d-\d\d/.test(t.textContent))
                   .map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; })
            """);
        Assert.InRange(labels.Length, 5, 7); // every fifth of thirty days
        for (var i = 1; i < labels.Length; i++)
            Assert.False(labels[i][0] < labels[i - 1][1] && labels[i][2] < labels[i - 1][3] && labels[i - 1][2] < labels[i][3], $"date labels {i - 1} and {i} overlap");

        // The favicon is served.
        Assert.Equal(200, (await page.Context.APIRequest.GetAsync($"{browser.Url}/favicon.svg")).Status);

        // Each post category has its own colour, and the week view reads 24-hour times.
        await browser.OpenAsync("calendar", page);
        await page.SelectOptionAsync("[data-testid=calendar-persona]", "p-demo-optician");
        var colours = await page.EvaluateAsync<string[][]>("""
            () => [...document.querySelectorAll('[data-category]')].map(e => [e.dataset.category, getComputedStyle(e).backgroundColor])
            """);
        var byCategory = colours.GroupBy(c => c[0]).ToDictionary(g => g.Key, g => g.Select(c => c[1]).Distinct().ToList());
        Assert.True(byCategory.Count >= 3, $"the demo's week shows several categories: {string.Join(", ", byCategory.Keys)}");
        Assert.All(byCategory.Values, v => Assert.Single(v));
        Assert.Equal(byCategory.Count, byCategory.Values.Select(v => v[0]).Distinct().Count());
        var hours = (await page.Locator(".rz-scheduler .rz-slot-hours, .rz-scheduler .rz-slot-title").AllInnerTextsAsync()).SelectMany(t => t.Split('\n')).ToList();
        Assert.Contains(hours, h => h.Trim() == "14:00");
        Assert.DoesNotContain(hours, h => h.Contains("上午") || h.Contains("下午") || h.Contains("AM") || h.Contains("PM"));

        // The done and skip buttons read at WCAG AA (4.5:1).
        await browser.OpenAsync("today", page);
        foreach (var button in new[] { "[data-testid=done]", "[data-testid=confirm-friend]" })
        {
            var locator = page.Locator(button).First;
            if (await locator.CountAsync() == 0) continue;
            var ratio = await locator.EvaluateAsync<double>("""
                b => {
                    const rgb = c => c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
                    const lum = c => { const [r, g, b2] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b2; };
                    const s = getComputedStyle(b); const [l1, l2] = [lum(s.color), lum(s.backgroundColor)].sort((a, c) => c - a);
                    return (l1 + 0.05) / (l2 + 0.05);
                }
                """);
            Assert.True(ratio >= 4.5, $"{button} contrast {ratio:0.0}:1");
        }

        // On a phone the accounts list keeps its columns and scrolls inside its card; the page itself does not.
        await using var phone = await ConsoleBrowser.LaunchAsync(_address, new ViewportSize { Width = 390, Height = 844 });
        var small = await phone.SignInAsync("root", "accounts");
        await small.WaitForSelectorAsync("tr[data-account]");
        Assert.True(await small.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390);
        var cells = await small.Locator("tr[data-account]").First.Locator("td").EvaluateAllAsync<double[]>("tds => tds.map(td => td.getBoundingClientRect().width)");
        Assert.All(cells.Where(w => w > 0), w => Assert.True(w >= 40, $"a column squeezed to {w}px"));
    }

    private async Task<string> ApiAsync(HttpMethod method, string path, object body)
    {
        var response = await _admin.SendAsync(new HttpRequestMessage(method, path) { Content = System.Net.Http.Json.JsonContent.Create(body) });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task AddFriendAsync(string weChatId, string customer, string channel)
    {
        var account = (await _app.Services.GetRequiredService<MatrixDirectory>().AccountsAsync()).Single(a => a.Profile.WeChatId == weChatId).Id;
        Assert.Equal(FriendAddOutcome.Added, await _app.Services.GetRequiredService<FriendEventService>()
            .AddedAsync(new FriendAddedEvent(account, customer, _clock.GetUtcNow(), $"test:{customer}", channel)));
    }

    // The month view's slots run from the first day of the week (the reader's culture's) holding the 1st.
    private static async Task<int> SlotIndexAsync(IPage page, DateTime day)
    {
        var culture = new System.Globalization.CultureInfo(await page.GetAttributeAsync("html", "lang") ?? "zh-CN");
        var first = new DateTime(day.Year, day.Month, 1);
        var offset = ((int)first.DayOfWeek - (int)culture.DateTimeFormat.FirstDayOfWeek + 7) % 7;
        return offset + day.Day - 1;
    }

    /// <summary>Waits for the refusal the click brings, checks it says each part, closes it and returns its text.</summary>
    private static async Task<string> RefusalAsync(IPage page, string button, params string[] parts)
    {
        await page.ClickAsync(button);
        var note = page.Locator(".rz-notification-item").Last;
        await note.WaitForAsync();
        var text = await note.InnerTextAsync();
        foreach (var part in parts) Assert.Contains(part, text);
        await page.EvaluateAsync("() => document.querySelectorAll('.rz-notification-item').forEach(n => n.remove())");
        return text;
    }

    // Text marked up as code (channel tags, template placeholders, addresses) or as not to be translated (user names,
    // team names) is what people typed as names and codes, not the console's prose.
    private static async Task AssertChineseAsync(IPage page, string where)
    {
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
        var text = await page.EvaluateAsync<string>("() => { const b = document.body.cloneNode(true); b.querySelectorAll('code, [translate=no]').forEach(c => c.remove()); document.documentElement.appendChild(b); const t = b.innerText; b.remove(); return t; }");
        var words = EnglishWords(text).Distinct().Select(w => $"{w} (in \"{Around(text, w)}\")").ToList();
        Assert.True(words.Count == 0, $"{where}: English in the Chinese console: {string.Join(", ", words)}");
    }

    private static string Around(string text, string word)
    {
        var i = text.IndexOf(word, StringComparison.Ordinal);
        return text.Substring(Math.Max(0, i - 30), Math.Min(text.Length - Math.Max(0, i - 30), word.Length + 60)).ReplaceLineEndings(" ");
    }

    /// <summary>
    /// ASCII words that are not codes, numbers or proper names: a code has a digit, a dash or an underscore (WeChat
    /// IDs, channel and order ids); the proper names are the product's, the language switch's and the till's
    /// category codes the demo uses.
    /// </summary>
    private static IEnumerable<string> EnglishWords(string text) =>
        AsciiWord().Matches(text).Select(m => m.Value)
            .Where(w => w.Length > 1 && !w.Any(char.IsDigit) && !w.Contains('_') && !w.Contains('-') && !w.Contains('.') && !Names.Contains(w));

    private static readonly HashSet<string> Names = ["Matrix", "English", "Birthday"];

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9_\-\.]*")]
    private static partial Regex AsciiWord();
}
