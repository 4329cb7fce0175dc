using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Matrix.Web.Tests;

/// <summary>
/// 裂变 in Debian's Chromium on a UTC server: a campaign set up in the console keeps the store's times, an inviter's
/// poster carries a real QR to the landing page, the friend who scans it is confirmed from the held scan in Today as
/// any other add, and the inviter leads the board with a reward to hand out, marked once.
/// </summary>
public sealed class ReferralConsoleTests() : ConsoleTest("referralui")
{
    [Fact]
    public async Task A_poster_brings_a_friend_confirmed_in_Today_and_the_inviter_earns_a_reward_handed_out_once()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "小林" }));
        await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "lin_invite", kind = "PersonalWeChat" } }));
        var account = (await _admin.GetFromJsonAsync<JsonElement>("/api/accounts")).EnumerateArray().Single().GetProperty("id").GetString();
        Assert.True((await _admin.PostAsJsonAsync("/api/channels", new { id = "invite", channel = new { name = "老带新海报", personaId = persona, state = "invite" } })).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = "lao_zhang", at = DateTimeOffset.UtcNow, idempotencyKey = "lz" })).IsSuccessStatusCode);
        var today = _app.Services.GetRequiredService<StoreClock>().Today;

        await using var browser = await ConsoleBrowser.LaunchAsync(_address);
        var page = await browser.SignInAsync("root", "referrals");
        // Nothing chosen: the refusal names the parts in Chinese, and nothing is created.
        await page.FillAsync("[data-testid=referral-name]", "老带新");
        await page.ClickAsync("[data-testid=referral-save]");
        var refusal = page.Locator(".rz-notification-item").Last;
        await Assertions.Expect(refusal).ToContainTextAsync("活码：必填");
        await Assertions.Expect(refusal).ToContainTextAsync("奖励阶梯");
        Assert.Equal(0, (await _admin.GetFromJsonAsync<JsonElement>("/api/referrals")).GetArrayLength());

        await page.SelectOptionAsync("[data-testid=referral-channel]", "invite");
        await page.FillAsync("[data-testid=referral-starts]", $"{today:yyyy-MM-dd}T00:00");
        await page.FillAsync("[data-testid=referral-ends]", $"{today.AddDays(7):yyyy-MM-dd}T00:00");
        await page.Locator("[data-testid=referral-level-friends]").First.FillAsync("1");
        await page.Locator("[data-testid=referral-level-reward]").First.FillAsync("清洗券");
        await page.Locator("[data-testid=referral-level-value]").First.FillAsync("20");
        await page.ClickAsync("[data-testid=referral-save]");
        var detail = page.Locator("[data-testid=referral-detail]");
        await detail.WaitForAsync();
        var campaign = (await _admin.GetFromJsonAsync<JsonElement>("/api/referrals")).EnumerateArray().Single();
        Assert.Equal(new DateTimeOffset(today.Year, today.Month, today.Day, 0, 0, 0, TimeSpan.FromHours(8)), campaign.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal("running", campaign.GetProperty("status").GetString());

        // The inviter's poster: a QR of the landing page's address.
        await page.FillAsync("[data-testid=poster-inviter]", "lao_zhang");
        await page.ClickAsync("[data-testid=poster-make]");
        var qr = page.Locator("[data-testid=poster-qr]");
        await qr.WaitForAsync();
        var url = await QrCodes.DecodeAsync(qr);
        Assert.Equal(await qr.GetAttributeAsync("data-url"), url);
        Assert.Matches($"/r/{campaign.GetProperty("id").GetString()}/[a-z2-9]{{8}}$", url);

        // A friend scans it: the campaign's name and the account's code; a slot is held for them.
        var phone = await browser.NewPageAsync();
        await phone.GotoAsync(url!);
        Assert.Contains("老带新", await phone.InnerTextAsync("[data-testid=referral]"));
        Assert.Equal("lin_invite", await QrCodes.DecodeAsync(phone.Locator("img.qr")));

        // The operator confirms the add from the held scan, as any other; the inviter is credited.
        await browser.OpenAsync("today", page);
        var queue = await ConsoleBrowser.TodayQueueAsync(page, "lin_invite");
        await queue.Locator("details.confirm summary").ClickAsync();
        Assert.True(await queue.Locator("[data-testid=scan][data-channel=invite]").IsCheckedAsync());
        await queue.Locator("label[for=confirm-customer]").ClickAsync();
        await page.Keyboard.TypeAsync("xiao_li");
        await queue.Locator("[data-testid=confirm-friend]").ClickAsync();
        await Assertions.Expect(page.Locator(".rz-notification-item").Last).ToBeVisibleAsync();

        await browser.OpenAsync("referrals", page);
        await page.ClickAsync("[data-testid=referral-open]");
        var leader = page.Locator("[data-testid=leader][data-inviter=lao_zhang]");
        await Assertions.Expect(leader).ToHaveAttributeAsync("data-standing", "1");
        await leader.Locator("[data-testid=leader-open]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=arrival][data-invitee=xiao_li]")).ToHaveAttributeAsync("data-outcome", "credited");
        await Assertions.Expect(page.Locator("[data-testid=arrival][data-invitee=xiao_li]")).ToContainTextAsync("已计数");
        await Assertions.Expect(page.Locator("[data-testid=referral-report] [data-figure=cost]")).ToHaveTextAsync("20.00");

        var reward = page.Locator("[data-testid=reward][data-inviter=lao_zhang]");
        await Assertions.Expect(reward).ToHaveAttributeAsync("data-redeemed", "false");
        await reward.Locator("[data-testid=reward-redeem]").ClickAsync();
        await Assertions.Expect(reward).ToHaveAttributeAsync("data-redeemed", "true");
        await Assertions.Expect(reward).ToContainTextAsync("root");
        Assert.Equal(0, await page.Locator("[data-testid=page-fault]").CountAsync());
    }
}
