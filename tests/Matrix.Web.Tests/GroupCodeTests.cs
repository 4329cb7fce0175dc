using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Matrix.Web.Tests;

/// <summary>
/// 群活码 for personal-WeChat groups on a fake clock: a thousand people scan one code at once while operators report
/// people joining by hand, and no group passes its capacity by Matrix's count; an expired image is never shown; the
/// page moves on as groups fill and back when one has room again; when none has, the polite page and a task appear;
/// the console is warned a day before an image expires.
/// </summary>
public sealed partial class GroupCodeTests() : ReportScript("groupcodes")
{
    [Fact]
    public async Task A_thousand_concurrent_scans_never_pass_a_groups_capacity_nor_show_an_expired_image()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = "wx_groups", kind = "PersonalWeChat" } });
        var code = await CreateAsync("/api/group-codes", new { name = "会员福利群", personaId = persona });
        var stale = await GroupAsync(code, "老群");
        await ImageAsync(code, stale, "https://img.example/stale.png");
        await AtAsync(7, 8, 10); // a week on: the first group's image no longer works
        var groups = new List<string>();
        foreach (var name in new[] { "福利 1 群", "福利 2 群", "福利 3 群" })
        {
            var id = await GroupAsync(code, name);
            await ImageAsync(code, id, $"https://img.example/{id}.png");
            groups.Add(id);
        }

        // A thousand phones at once (no cookie between them), while operators report 60 people joining by hand.
        var anonymous = _app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var shown = new ConcurrentBag<string>();
        var scans = Enumerable.Range(0, 1000).Select(async _ =>
        {
            var response = await anonymous.GetAsync($"/g/{code}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            shown.Add(ShownIn(await response.Content.ReadAsStringAsync()));
        });
        var joins = Enumerable.Range(0, 60).Select(async i =>
            Ok(await _admin.PostAsJsonAsync($"/api/group-codes/{code}/groups/{groups[i % 3]}/members", new { joined = 1 })));
        await Task.WhenAll(scans.Concat(joins));

        var view = await ViewAsync(code);
        var byId = view.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("id").GetString()!);
        Assert.DoesNotContain(stale, shown);
        Assert.Equal(0, byId[stale].GetProperty("members").GetInt32());
        foreach (var group in groups)
        {
            var (members, counted) = (byId[group].GetProperty("members").GetInt32(), byId[group].GetProperty("scans").GetInt64());
            Assert.Equal(200, members); // every place taken, none passed
            Assert.Equal(shown.Count(s => s == group), counted); // each scan shown the group counted once
            Assert.InRange(members - counted, 0, 20); // the rest joined by hand (of the 20 reported for each)
        }
        Assert.Equal(1000, shown.Count);
        Assert.InRange(shown.Count(s => s == "full"), 400, 460);
        Assert.True(view.GetProperty("allFull").GetBoolean());

        // The polite page asked for a new group: one task on the persona's account, however many met it.
        var tasks = await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks");
        var ask = Assert.Single(tasks.EnumerateArray(), t => t.GetProperty("kind").GetString() == "group");
        Assert.Equal("会员福利群", ask.GetProperty("body").GetString());

        // Someone left the second group: the next scan goes there, the first group with room; a reload of the same
        // phone shows it again without taking a second place.
        Ok(await _admin.PostAsJsonAsync($"/api/group-codes/{code}/groups/{groups[1]}/members", new { members = 199 }));
        var phone = _app.CreateClient();
        Assert.Equal(groups[1], ShownIn(await phone.GetStringAsync($"/g/{code}")));
        Assert.Equal(groups[1], ShownIn(await phone.GetStringAsync($"/g/{code}")));
        Assert.Equal("full", ShownIn(await anonymous.GetStringAsync($"/g/{code}")));
        Assert.Equal(200, (await ViewAsync(code)).GetProperty("groups")[2].GetProperty("members").GetInt32()); // [0] is the stale group: [2] is the second

        // Six days and a minute after the upload, the console is told to upload new images; at seven, they are never shown.
        Ok(await _admin.PostAsJsonAsync($"/api/group-codes/{code}/groups/{groups[0]}/members", new { members = 10 }));
        _clock.Advance(TimeSpan.FromDays(6).Add(TimeSpan.FromMinutes(1)));
        Assert.All((await ViewAsync(code)).GetProperty("groups").EnumerateArray(), g => Assert.True(g.GetProperty("imageNeeded").GetBoolean()));
        Assert.Equal(groups[0], ShownIn(await anonymous.GetStringAsync($"/g/{code}")));
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal("full", ShownIn(await anonymous.GetStringAsync($"/g/{code}")));
        Assert.Equal("full", ShownIn(await phone.GetStringAsync($"/g/{code}"))); // the phone's kept group too: its image is gone

        var history = await _admin.GetFromJsonAsync<JsonElement>($"/api/group-codes/{code}/history");
        Assert.Equal(4, history.EnumerateArray().Count(h => h.GetProperty("event").GetString() == "linked"));
        Assert.Equal(60, history.EnumerateArray().Count(h => h.GetProperty("event").GetString() == "joins"));
    }

    [Fact]
    public async Task Bad_settings_and_reports_are_refused_naming_the_field_and_an_unknown_code_is_a_friendly_page()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var code = await CreateAsync("/api/group-codes", new { name = "会员福利群", personaId = persona });
        await ProblemAsync($"/api/group-codes/{code}/groups", new { name = "大群", kind = "WeChat", capacity = 500 }, "capacity");
        await ProblemAsync($"/api/group-codes/{code}/groups", new { name = "群", kind = "WeCom", capacity = 500, softFull = 600 }, "softFull");
        await ProblemAsync("/api/group-codes", new { name = "x", personaId = "p-nope" }, "personaId");
        var group = await GroupAsync(code, "福利 1 群");
        await ProblemAsync($"/api/group-codes/{code}/groups/{group}/members", new { members = 201 }, "members");
        await ProblemAsync($"/api/group-codes/{code}/groups/{group}/members", new { joined = 0 }, "joined");
        var bad = await _admin.PutAsJsonAsync($"/api/group-codes/{code}/groups/{group}/image", new { imageUrl = "javascript:alert(1)" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(0, (await ViewAsync(code)).GetProperty("groups")[0].GetProperty("members").GetInt32());

        // No image yet: nobody is sent to the group.
        Assert.Equal("full", ShownIn(await _admin.GetStringAsync($"/g/{code}")));
        var unknown = await _admin.GetAsync("/g/no-such-code");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("二维码已失效", await unknown.Content.ReadAsStringAsync());
    }

    private async Task<string> GroupAsync(string code, string name)
    {
        var response = await _admin.PostAsJsonAsync($"/api/group-codes/{code}/groups", new { name, kind = "WeChat", capacity = 200 });
        Ok(response);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("groups").EnumerateArray().Last().GetProperty("id").GetString()!;
    }

    private async Task ImageAsync(string code, string group, string url) =>
        Ok(await _admin.PutAsJsonAsync($"/api/group-codes/{code}/groups/{group}/image", new { imageUrl = url }));

    private async Task<JsonElement> ViewAsync(string code) => await _admin.GetFromJsonAsync<JsonElement>($"/api/group-codes/{code}");

    /// <summary>The group a page showed, or "full".</summary>
    private static string ShownIn(string html) => GroupShown().Match(html) is { Success: true } m ? m.Groups[1].Value
        : html.Contains("data-state=\"full\"") ? "full" : throw new Xunit.Sdk.XunitException($"neither a group nor full: {html}");

    [GeneratedRegex("data-group=\"([^\"]+)\"")]
    private static partial Regex GroupShown();
}
