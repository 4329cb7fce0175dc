using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Matrix.WeCom.Callbacks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Matrix.WeCom.Fake;

/// <summary>A corp as the fake knows it: its app's secret and callback settings, and where its callbacks go.</summary>
public sealed record FakeCorp(string CorpId, string AgentId, string Secret, string Token, string AesKey)
{
    public string? CallbackUrl { get; set; }
}

/// <summary>A welcome message the fake accepted: for whom, its text, and when.</summary>
public sealed record SentWelcome(string UserId, string ExternalUserId, string Text, DateTimeOffset At);

/// <summary>
/// WeCom's server, on a port of its own, as far as Matrix uses it so far: access tokens (7,200 s, early invalidation,
/// 40001/40013/40014/42001, each app's its own: FakeWeComServer.Apps.cs), the add and delete callbacks (encrypted with the real scheme, retried when not answered
/// within 5 s, duplicated on demand), and welcome codes (20 s, single use: 41050/41051). Tests drive it: a customer
/// scans, a customer deletes, time passes (its own clock). Customer groups and join ways: FakeWeComServer.Groups.cs.
/// </summary>
public sealed partial class FakeWeComServer(TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, FakeCorp> _corps = new();
    private readonly ConcurrentDictionary<string, (string CorpId, string AgentId, DateTimeOffset Expires)> _tokens = new();
    private readonly ConcurrentDictionary<string, (string UserId, string ExternalUserId, DateTimeOffset Issued)> _welcomeCodes = new();
    private readonly ConcurrentDictionary<string, bool> _usedCodes = new();
    private readonly HttpClient _callbacks = new() { Timeout = TimeSpan.FromSeconds(5) };
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    public ConcurrentQueue<SentWelcome> Welcomes { get; } = new();

    /// <summary>Callbacks delivered (answered "success"), and attempts that were not (timed out or refused).</summary>
    public int Delivered => _delivered;

    public int FailedAttempts => _failed;

    private int _delivered, _failed;

    /// <summary>How long a welcome code may be used (WeCom: 20 s); a test sets less to miss the window.</summary>
    public TimeSpan WelcomeCodeLifetime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long after the add another app is still sending its welcome: a code used meanwhile answers 41096 (try again).</summary>
    public TimeSpan WelcomeBusyFor { get; set; }

    public void AddCorp(FakeCorp corp)
    {
        _corps[corp.CorpId] = corp;
        AddApp(corp.CorpId, new FakeApp(corp.AgentId, corp.Secret, "Matrix"));
    }

    private int _tokensIssued;

    /// <summary>Access tokens issued so far (gettoken calls that succeeded).</summary>
    public int TokensIssued => _tokensIssued;

    /// <summary>WeCom ending every token early ("for operational reasons"): the next call with one answers 42001.</summary>
    public void ExpireTokens()
    {
        foreach (var (token, (corpId, agentId, _)) in _tokens) _tokens[token] = (corpId, agentId, DateTimeOffset.MinValue);
    }

    public async Task<FakeWeComServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        UseLimits(_app);
        _app.MapGet("/cgi-bin/gettoken", (string? corpid, string? corpsecret) => Token(corpid, corpsecret));
        _app.MapPost("/cgi-bin/externalcontact/send_welcome_msg", async (string? access_token, HttpRequest request) =>
            Welcome(access_token, await request.ReadFromJsonAsync<JsonObject>()));
        MapGroups(_app);
        MapContactWays(_app);
        MapTransfers(_app);
        MapMessages(_app);
        MapMoments(_app);
        MapContacts(_app);
        MapApps(_app);
        await _app.StartAsync();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return this;
    }

    /// <summary>
    /// A customer added <paramref name="userId"/> through a contact way whose state is <paramref name="state"/>: the
    /// add callback goes to the corp (with a welcome code issued now), <paramref name="copies"/> times. Returns whether
    /// the corp answered it.
    /// </summary>
    public async Task<bool> AddCustomerAsync(string corpId, string userId, string externalUserId, string? state, int copies = 1)
    {
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _welcomeCodes[code] = (userId, externalUserId, time.GetUtcNow());
        lock (_groups)
        {
            _follows.Add((corpId, userId, externalUserId));
            Relation(corpId, userId, externalUserId, time.GetUtcNow());
        }
        var xml = Event(corpId, "add_external_contact", userId, externalUserId,
            $"<State><![CDATA[{state ?? ""}]]></State><WelcomeCode><![CDATA[{code}]]></WelcomeCode>");
        var answered = true;
        for (var i = 0; i < copies; i++) answered &= await DeliverAsync(corpId, xml);
        return answered;
    }

    /// <summary>The customer deleted the member (<c>del_follow_user</c>), or the member deleted the customer (<c>del_external_contact</c>).</summary>
    public Task<bool> DeleteAsync(string corpId, string userId, string externalUserId, bool byCustomer)
    {
        lock (_groups)
        {
            _follows.Remove((corpId, userId, externalUserId));
            _relations.Remove((corpId, userId, externalUserId));
        }
        return DeliverAsync(corpId, Event(corpId, byCustomer ? "del_follow_user" : "del_external_contact", userId, externalUserId, ""));
    }

    private string Event(string corpId, string change, string userId, string externalUserId, string extra) =>
        $"<xml><ToUserName><![CDATA[{corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{time.GetUtcNow().ToUnixTimeSeconds()}</CreateTime>"
        + $"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[{change}]]></ChangeType>"
        + $"<UserID><![CDATA[{userId}]]></UserID><ExternalUserID><![CDATA[{externalUserId}]]></ExternalUserID>{extra}</xml>";

    // WeCom's rule: an answer within 5 s, or the callback comes again, three tries in all.
    private async Task<bool> DeliverAsync(string corpId, string xml)
    {
        var corp = _corps[corpId];
        var crypto = new WeComCrypto(corp.Token, corp.AesKey, corp.CorpId);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var body = crypto.CallbackBody(xml, corp.AgentId);
            var encrypted = body[(body.IndexOf("<Encrypt><![CDATA[", StringComparison.Ordinal) + 18)..body.IndexOf("]]></Encrypt>", StringComparison.Ordinal)];
            var (timestamp, nonce) = (time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            var url = $"{corp.CallbackUrl}?msg_signature={crypto.Sign(timestamp, nonce, encrypted)}&timestamp={timestamp}&nonce={nonce}";
            try
            {
                using var response = await _callbacks.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "text/xml"));
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            Interlocked.Increment(ref _failed);
        }
        return false;
    }

    private IResult Token(string? corpId, string? secret)
    {
        if (Down) return Results.StatusCode(503);
        if (RefuseThisAddress) return Error(60020, "not allow to access from your ip");
        if (corpId is null || !_corps.TryGetValue(corpId, out var corp)) return Error(40013, "invalid corpid");
        if (AppOfSecret(corp.CorpId, secret) is not { } app) return Error(40001, "invalid credential");
        Interlocked.Increment(ref _tokensIssued);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = (corpId, app.AgentId, time.GetUtcNow().AddSeconds(7200));
        return Results.Json(new { errcode = 0, errmsg = "ok", access_token = token, expires_in = 7200 });
    }

    private IResult Welcome(string? token, JsonObject? body)
    {
        if (Refused(token) is { } refused) return refused;
        var code = body?["welcome_code"]?.GetValue<string>() ?? "";
        if (!_welcomeCodes.TryGetValue(code, out var issued) || time.GetUtcNow() - issued.Issued >= WelcomeCodeLifetime) return Error(41050, "invalid welcome_code");
        if (time.GetUtcNow() - issued.Issued < WelcomeBusyFor) return Error(41096, "welcome msg is being distributed by another app");
        if (!_usedCodes.TryAdd(code, true)) return Error(41051, "customer and user are already chatting");
        Welcomes.Enqueue(new(issued.UserId, issued.ExternalUserId, body?["text"]?["content"]?.GetValue<string>() ?? "", time.GetUtcNow()));
        return Results.Json(new { errcode = 0, errmsg = "ok" });
    }

    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
    private int _rateRefusals;

    /// <summary>WeCom's frequency limit hit: every API call answers 45009 for <paramref name="length"/> (a minute's block lasts 60 s).</summary>
    public void BlockFor(TimeSpan length) => _blockedUntil = time.GetUtcNow() + length;

    /// <summary>Calls refused with 45009 so far.</summary>
    public int RateRefusals => _rateRefusals;

    private IResult? Refused(string? token) =>
        Down ? Results.StatusCode(503)
        : RefuseThisAddress ? Error(60020, "not allow to access from your ip")
        : time.GetUtcNow() < _blockedUntil ? RateLimited()
        : token is null ? Error(41001, "access_token missing")
        : !_tokens.TryGetValue(token, out var known) ? Error(40014, "invalid access_token")
        : known.Expires <= time.GetUtcNow() ? Error(42001, "access_token expired")
        : null;

    private IResult RateLimited()
    {
        Interlocked.Increment(ref _rateRefusals);
        return Error(45009, "api freq out of limit");
    }

    private static IResult Error(int code, string message) => Results.Json(new { errcode = code, errmsg = message });

    public async ValueTask DisposeAsync()
    {
        _callbacks.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }
}
