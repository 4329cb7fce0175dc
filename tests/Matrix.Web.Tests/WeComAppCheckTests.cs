using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.WeCom.Fake;

namespace Matrix.Web.Tests;

/// <summary>
/// Saving a corp asks WeCom about its app with the app's own token, so settings that cannot work are reported at once:
/// another app's secret (301002), a wrong agent id (40056), a server WeCom does not trust (60020); and once the right
/// secret is saved, the old one's token is never used again, by this node or the database's shared store.
/// </summary>
public sealed class WeComAppCheckTests() : WeComTest("wecomcheck", "ww_check")
{
    private const string OtherAgent = "1000005", OtherSecret = "reports-secret";

    private async Task<JsonElement> SaveAsync(string agentId, string secret)
    {
        var saved = await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId, secret, token = Token, aesKey = AesKey, apiBase = _wecom.Url });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        return (await saved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("check");
    }

    private async Task<JsonElement> ListedCheckAsync() =>
        (await _admin.GetFromJsonAsync<JsonElement>("/api/wecom/corps")).EnumerateArray().Single(c => c.GetProperty("corpId").GetString() == CorpId).GetProperty("check");

    [Fact]
    public async Task Saved_settings_are_checked_with_the_apps_own_token()
    {
        _wecom.AddApp(CorpId, new FakeApp(OtherAgent, OtherSecret, "报表助手"));

        // The base class saved the right settings: WeCom named the app.
        var first = await ListedCheckAsync();
        Assert.Equal(0, first.GetProperty("code").GetInt32());
        Assert.Equal("Matrix", first.GetProperty("appName").GetString());

        // Another app's secret pasted under this AgentId: WeCom gives that app's token, which may not act for this one.
        var mixed = await SaveAsync(AgentId, OtherSecret);
        Assert.Equal(301002, mixed.GetProperty("code").GetInt32());
        Assert.Equal("Setup", mixed.GetProperty("failureKind").GetString());
        Assert.Equal(JsonValueKind.Null, mixed.GetProperty("appName").ValueKind);

        // The right secret again: asked with a token of its own at once, not with the mixed one for its remaining two hours.
        var issued = _wecom.TokensIssued;
        var fixedCheck = await SaveAsync(AgentId, Secret);
        Assert.Equal(0, fixedCheck.GetProperty("code").GetInt32());
        Assert.Equal("Matrix", fixedCheck.GetProperty("appName").GetString());
        Assert.Equal(issued, _wecom.TokensIssued); // the right secret's token was still good: kept under that secret, not overwritten

        // The other app connected as itself works too: each app's token serves only it.
        Assert.Equal("报表助手", (await SaveAsync(OtherAgent, OtherSecret)).GetProperty("appName").GetString());
        Assert.Equal(40056, (await SaveAsync("1000099", Secret)).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_refused_server_is_reported_and_checked_again_once_fixed()
    {
        _wecom.RefuseThisAddress = true;
        Assert.Equal(60020, (await _admin.PostAsync($"/api/wecom/corps/{CorpId}/check", null) is var refused && refused.IsSuccessStatusCode
            ? (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("check") : throw new Xunit.Sdk.XunitException(await refused.Content.ReadAsStringAsync()))
            .GetProperty("code").GetInt32());
        Assert.Equal(60020, (await ListedCheckAsync()).GetProperty("code").GetInt32());

        _wecom.RefuseThisAddress = false;
        var again = await _admin.PostAsync($"/api/wecom/corps/{CorpId}/check", null);
        Assert.Equal(0, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("check").GetProperty("code").GetInt32());

        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/api/wecom/corps/ww_nobody/check", null)).StatusCode);
        var letters = await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "reports", secret = Secret, token = Token, aesKey = AesKey, apiBase = _wecom.Url });
        Assert.Equal(HttpStatusCode.BadRequest, letters.StatusCode);
        Assert.Contains("agentId", await letters.Content.ReadAsStringAsync());
        Assert.Equal(0, (await ListedCheckAsync()).GetProperty("code").GetInt32()); // the refused save changed nothing
    }
}
