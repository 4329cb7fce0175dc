using Matrix.WeCom.Api;
using Matrix.WeCom.Fake;

namespace Matrix.WeCom.Tests;

/// <summary>
/// Two apps of one corp called through one client: each call carries its own app's token, so WeCom never answers
/// 301002 (the error of a token cache keyed by corp alone), and each app's token is fetched once.
/// </summary>
public sealed class WeComAppTokenTests() : FakeCorpTest("ww_two_apps", "contact-secret")
{
    protected override void Seed() => _wecom.AddApp(CorpId, new FakeApp("1000003", "notice-secret", "Notices"));

    [Fact]
    public async Task Each_app_is_called_with_its_own_token()
    {
        var client = new WeComClient(new HttpClient(), _time);
        var contact = new WeComApp(_wecom.Url, CorpId, AgentId, Secret);
        var notices = new WeComApp(_wecom.Url, CorpId, "1000003", "notice-secret");
        Task<WeComAnswer> AgentAsync(WeComApp app) => client.GetAsync(app, "/cgi-bin/agent/get", new Dictionary<string, string> { ["agentid"] = app.AgentId });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => AgentAsync(i % 2 == 0 ? contact : notices)));
        Assert.All(answers, a => Assert.Equal(0, a.ErrCode));
        Assert.Equal(["Matrix", "Notices"], answers.Select(a => a.Body["name"]!.GetValue<string>()).Distinct().Order());
        Assert.Equal(2, _wecom.TokensIssued);

        // What a corp-keyed cache would do: one app's token asking as the other.
        var wrongPair = new WeComApp(_wecom.Url, CorpId, AgentId, "notice-secret");
        Assert.Equal(301002, (await AgentAsync(wrongPair)).ErrCode);
        Assert.Equal(0, (await AgentAsync(contact)).ErrCode); // the mix did not touch the right pair's token
        Assert.Equal(3, _wecom.TokensIssued);
    }
}
