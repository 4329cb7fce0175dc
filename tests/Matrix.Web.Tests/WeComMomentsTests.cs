using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Matrix.WeCom.Fake;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// A Moments post's copies on a persona's accounts, against the fake WeCom server: the WeCom members' copies go out as
/// one enterprise Moments job (sent once however often synced; the personal account's copy stays for a person), the
/// job is polled until WeCom made the moment, and each copy ends by WeCom's result: done, or left for a person when
/// WeCom would not take that member as a sender.
/// </summary>
public sealed class WeComMomentsTests() : WeComTest("wecommoments", "ww_moments_test")
{
    [Fact]
    public async Task A_posts_copies_on_WeCom_members_go_out_as_one_job_and_end_by_its_result()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微门店" }));
        var accounts = new Dictionary<string, string>();
        foreach (var (user, kind) in new[] { ("wc_x", "WeCom"), ("wc_y", "WeCom"), ("wx_personal", "PersonalWeChat") })
            accounts[user] = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = user, kind } }));
        _wecom.InvalidSenders["wc_y"] = true;
        _wecom.MomentJobPolls = 3;
        // The post's copies, due now on each account, as the calendar places them at the post's time.
        var store = _app.Services.GetRequiredService<TaskStore>();
        var now = DateTimeOffset.UtcNow;
        var copies = new Dictionary<string, Guid>();
        foreach (var (user, account) in accounts)
        {
            copies[user] = Guid.NewGuid();
            await store.AddAsync(new WorkTask(copies[user], account, null, "moments", "秋季新品到店，欢迎来试戴", now, "post:autumn", "open", null, null, null, null), now);
        }

        Assert.True((await _admin.PostAsync("/api/wecom/moments/sync", null)).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsync("/api/wecom/moments/sync", null)).IsSuccessStatusCode); // still running; nothing sent twice
        var job = Assert.Single(_wecom.MomentJobs());
        Assert.Equal("秋季新品到店，欢迎来试戴 wc_x,wc_y", $"{job.Text} {string.Join(',', job.Senders.Order())}");
        Assert.All(await ListAsync(), m => Assert.Equal("submitted", m.GetProperty("status").GetString()));

        Assert.True((await _admin.PostAsync("/api/wecom/moments/sync", null)).IsSuccessStatusCode); // the third poll: done
        var results = (await ListAsync()).ToDictionary(m => m.GetProperty("sender").GetString()!);
        Assert.Equal(("done", $"mom{job.JobId}"), (results["wc_x"].GetProperty("status").GetString(), results["wc_x"].GetProperty("momentId").GetString()));
        Assert.Equal("failed", results["wc_y"].GetProperty("status").GetString());
        Assert.Equal("done", (await store.GetAsync(copies["wc_x"]))!.Status);
        Assert.Equal("open", (await store.GetAsync(copies["wc_y"]))!.Status); // WeCom would not take the member: a person posts it
        Assert.Equal("open", (await store.GetAsync(copies["wx_personal"]))!.Status); // personal WeChat is never automated

        // The console's WeCom page lists each copy's end.
        var page = await _admin.GetStringAsync("/wecom");
        Assert.Contains("data-testid=\"wecom-moment\" data-status=\"done\"", page);
        Assert.Contains("data-testid=\"wecom-moment\" data-status=\"failed\"", page);
    }

    private async Task<List<JsonElement>> ListAsync() => [.. (await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/moments")).EnumerateArray()];
}
