using Matrix.WeCom.Api;

namespace Matrix.WeCom.Tests;

/// <summary>
/// WeCom's limits as the fake server enforces them, met by the client: a minute's excess of one API answers 45009
/// and blocks it for 60 s; calls over the concurrency ceiling answer 45033; either way the client holds the app's
/// calls back until the block is over, so a blocked corp is not pressed further, and then goes on.
/// </summary>
public sealed class WeComLimitTests() : FakeCorpTest("ww_limits", "app-secret")
{
    protected override void Seed() => _wecom.AddMember(CorpId, "wc_limit");

    private WeComApp App => new(_wecom.Url, CorpId, AgentId, Secret);

    private Task<WeComAnswer> MembersAsync(WeComClient client) => client.GetAsync(App, "/cgi-bin/externalcontact/get_follow_user_list", new Dictionary<string, string>());

    [Fact]
    public async Task A_minutes_excess_is_refused_and_the_client_waits_out_the_block()
    {
        _wecom.PerMinuteLimit = 5;
        var client = new WeComClient(new HttpClient(), _time, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 5; i++) Assert.True((await MembersAsync(client)).Ok);
        Assert.Equal(WeComClient.FrequencyLimit, (await MembersAsync(client)).ErrCode);
        Assert.Equal(_time.GetUtcNow().AddSeconds(60), client.BlockedUntil(App));

        // Held back here, not sent: WeCom sees no more calls while the block lasts.
        Assert.Equal(WeComClient.FrequencyLimit, (await client.PostAsync(App, "/cgi-bin/externalcontact/get_corp_tag_list", new { })).ErrCode);
        Assert.Equal(1, _wecom.RateRefusals);

        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(client.BlockedUntil(App));
        Assert.True((await MembersAsync(client)).Ok);
        Assert.Equal(1, _wecom.RateRefusals);
    }

    [Fact]
    public async Task Calls_over_the_concurrency_ceiling_are_refused_and_hold_the_app_back()
    {
        _wecom.ConcurrencyLimit = 2;
        _wecom.CallDelay = TimeSpan.FromSeconds(2);
        var client = new WeComClient(new HttpClient(), _time, TimeSpan.FromSeconds(60));
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => MembersAsync(client)));
        Assert.InRange(answers.Count(a => a.Ok), 1, 2);
        Assert.Contains(answers, a => a.ErrCode == WeComClient.ConcurrencyLimit);
        Assert.NotNull(client.BlockedUntil(App));

        _wecom.CallDelay = TimeSpan.Zero;
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.True((await MembersAsync(client)).Ok);
    }
}
