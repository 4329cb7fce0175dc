using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Capacity;
using Matrix.Testing;
using Matrix.WeCom.Callbacks;
using Matrix.WeCom.Fake;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// A WeCom corp connected to Matrix, against the fake WeCom server over real HTTP: customers scanning a WeCom
/// channel's code arrive as encrypted callbacks (sent twice), land once on the member's account with the channel's
/// tags, and get the channel's welcome through WeCom within its 20 seconds; a missed window leaves the welcome task
/// for a person; WeCom ending its token early costs nothing; a deletion arrives as churn; a forged callback is refused.
/// </summary>
public sealed class WeComCallbackTests : IAsyncLifetime
{
    private const string CorpId = "ww_matrix_test", AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", Token = "QDG6eK";
    private MatrixApp _app = null!;
    private HttpClient _admin = null!;
    private FakeWeComServer _wecom = null!;
    private string _address = "";

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("wecom"));
        var address = _address = _app.StartKestrel();
        _admin = await _app.SignedInAsync();
        _wecom = await new FakeWeComServer(TimeProvider.System).StartAsync();
        _wecom.AddCorp(new FakeCorp(CorpId, "1000002", "app-secret", Token, AesKey) { CallbackUrl = $"{address}/wecom/callback/{CorpId}" });
        var saved = await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "1000002", secret = "app-secret", token = Token, aesKey = AesKey, apiBase = _wecom.Url });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        Assert.DoesNotContain("app-secret", await (await _admin.GetAsync("/api/wecom/corps")).Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _wecom.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_scan_of_a_WeCom_code_lands_once_on_the_member_with_the_channels_tags_and_its_welcome_sent_by_WeCom()
    {
        Assert.True((await _admin.PutAsJsonAsync("/api/tags/source", new { tags = new[] { "门店" } })).IsSuccessStatusCode);
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微小林" }));
        var account = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
            settings = new { weChatId = "zhangsan", kind = "WeCom" } }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/channels", new { id = "wc-door", channel = new { name = "门口企微码", personaId = persona, state = "wc_door",
            tags = new[] { "门店" }, welcomeScript = "欢迎光临，我是小林" } }));

        // The callback comes twice (WeCom's retry): one friend, one welcome.
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "zhangsan", "wmCustomer1", "wc_door", copies: 2));
        var link = Assert.Single(await _app.Services.GetRequiredService<CapacityLedger>().LinksAsync("wmCustomer1"));
        Assert.Equal((account, "wc-door", "门店"), (link.AccountId, link.ChannelId, Assert.Single(link.ChannelTags)));
        var welcome = Assert.Single(_wecom.Welcomes);
        Assert.Equal(("zhangsan", "wmCustomer1", "欢迎光临，我是小林"), (welcome.UserId, welcome.ExternalUserId, welcome.Text));
        Assert.Equal(1, (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}")).GetProperty("friends").GetInt32());
        Assert.DoesNotContain(await OpenTasksAsync(account), t => t.GetProperty("kind").GetString() == "welcome"); // sent by WeCom: closed

        // WeCom ends its token early: the next welcome fetches a new one and goes out once.
        _wecom.ExpireTokens();
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "zhangsan", "wmCustomer2", "wc_door"));
        Assert.Equal(2, _wecom.Welcomes.Count);

        // The 20 seconds missed: WeCom refuses the code, and the welcome task stays for a person.
        _wecom.WelcomeCodeLifetime = TimeSpan.Zero;
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "zhangsan", "wmCustomer3", "wc_door"));
        Assert.Equal(2, _wecom.Welcomes.Count);
        var task = Assert.Single(await OpenTasksAsync(account), t => t.GetProperty("kind").GetString() == "welcome");
        Assert.Equal("wmCustomer3", task.GetProperty("customerId").GetString());

        // Another app is still sending its welcome (41096): tried again off the callback's path, and sent once it may be.
        (_wecom.WelcomeCodeLifetime, _wecom.WelcomeBusyFor) = (TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(3));
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "zhangsan", "wmCustomer4", "wc_door"));
        await UntilAsync(async () => _wecom.Welcomes.Count == 3
            && !(await OpenTasksAsync(account)).Any(t => t.GetProperty("kind").GetString() == "welcome" && t.GetProperty("customerId").GetString() == "wmCustomer4"),
            "the welcome WeCom asked to send again was not sent");
        Assert.Equal("wmCustomer4", _wecom.Welcomes.Last().ExternalUserId);
        _wecom.WelcomeBusyFor = TimeSpan.Zero;

        // A referral poster's state on the contact way: the add credits the inviter, as a personal account's confirm does.
        var referral = await IdAsync(await _admin.PostAsJsonAsync("/api/referrals", new { name = "老带新", channelId = "wc-door", startsAt = DateTimeOffset.UtcNow.AddDays(-1),
            endsAt = DateTimeOffset.UtcNow.AddDays(7), levels = new[] { new { friends = 1, reward = "清洗券" } } }));
        var poster = await (await _admin.PostAsJsonAsync($"/api/referrals/{referral}/posters", new { inviterId = "wmCustomer2" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(await _wecom.AddCustomerAsync(CorpId, "zhangsan", "wmInvitee", poster.GetProperty("state").GetString()));
        var leader = Assert.Single((await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{referral}/leaderboard")).EnumerateArray());
        Assert.Equal(("wmCustomer2", 1), (leader.GetProperty("inviterId").GetString(), leader.GetProperty("standing").GetInt32()));

        // The customer deletes the member: churn, counted once however often it is told.
        Assert.True(await _wecom.DeleteAsync(CorpId, "zhangsan", "wmCustomer1", byCustomer: true));
        var links = await _app.Services.GetRequiredService<CapacityLedger>().LinksAsync("wmCustomer1");
        Assert.NotNull(Assert.Single(links).RemovedAt);
        Assert.Equal(4, (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}")).GetProperty("friends").GetInt32());
        Assert.Equal(0, _wecom.FailedAttempts);
    }

    [Fact]
    public async Task The_callback_address_is_verified_with_WeComs_echo_and_a_forged_or_tampered_callback_changes_nothing()
    {
        var crypto = new WeComCrypto(Token, AesKey, CorpId);
        var echo = crypto.Encrypt("echo-42");
        var verified = await _app.CreateClient().GetAsync($"/wecom/callback/{CorpId}?msg_signature={crypto.Sign("1700000000", "n1", echo)}&timestamp=1700000000&nonce=n1&echostr={Uri.EscapeDataString(echo)}");
        Assert.Equal("echo-42", await verified.Content.ReadAsStringAsync());

        var body = crypto.CallbackBody("<xml><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>"
            + "<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wmForged]]></ExternalUserID><CreateTime>1700000000</CreateTime></xml>", "1000002");
        var forged = await _app.CreateClient().PostAsync($"/wecom/callback/{CorpId}?msg_signature=0000&timestamp=1700000000&nonce=n1", new StringContent(body));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var otherCorp = new WeComCrypto(Token, AesKey, "ww_someone_else");
        var elsewhere = otherCorp.CallbackBody("<xml/>", "1");
        var encrypted = elsewhere[(elsewhere.IndexOf("<Encrypt><![CDATA[", StringComparison.Ordinal) + 18)..elsewhere.IndexOf("]]></Encrypt>", StringComparison.Ordinal)];
        var misdirected = await _app.CreateClient().PostAsync($"/wecom/callback/{CorpId}?msg_signature={otherCorp.Sign("1", "2", encrypted)}&timestamp=1&nonce=2", new StringContent(elsewhere));
        Assert.Equal(HttpStatusCode.BadRequest, misdirected.StatusCode);
        Assert.Empty(await _app.Services.GetRequiredService<CapacityLedger>().LinksAsync("wmForged"));
        Assert.Equal(HttpStatusCode.NotFound, (await _app.CreateClient().PostAsync("/wecom/callback/ww_unknown", new StringContent(body))).StatusCode);
    }

    [Fact]
    public async Task An_admin_connects_a_corp_in_the_console_and_its_secrets_are_never_shown_again()
    {
        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "wecom");
        await page.FillAsync("[data-testid=wecom-corp]", "ww_second");
        await page.FillAsync("[data-testid=wecom-agent]", "1000003");
        await page.FillAsync("[data-testid=wecom-secret]", "very-secret-value");
        await page.FillAsync("[data-testid=wecom-token]", "token-value");
        await page.FillAsync("[data-testid=wecom-aes-key]", "too-short");
        await page.ClickAsync("[data-testid=wecom-save]");
        await Microsoft.Playwright.Assertions.Expect(page.Locator(".rz-notification-item").Last).ToContainTextAsync("回调加密密钥：填写有误");
        Assert.Equal(1, (await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/corps")).GetArrayLength());

        await page.FillAsync("[data-testid=wecom-aes-key]", AesKey);
        await page.ClickAsync("[data-testid=wecom-save]");
        var row = page.Locator("[data-testid=wecom-corp-row][data-corp=ww_second]");
        await Microsoft.Playwright.Assertions.Expect(row.Locator("[data-testid=wecom-callback]")).ToHaveTextAsync($"{_address}/wecom/callback/ww_second");
        Assert.Equal("", await page.InputValueAsync("[data-testid=wecom-secret]"));
        Assert.DoesNotContain("very-secret-value", await page.ContentAsync());
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
    }

    private async Task<List<JsonElement>> OpenTasksAsync(string account) =>
        [.. (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray()];

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}
