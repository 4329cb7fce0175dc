using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Matrix.WeCom.Api;

/// <summary>A corp's app as the client calls it: where WeCom's API is, and the app's secret.</summary>
public sealed record WeComApp(string ApiBase, string CorpId, string AgentId, string Secret)
{
    /// <summary>
    /// A digest of the secret, part of what a token is kept under with the corp and the app: a token serves only the
    /// app it was issued to (WeCom refuses another's with 301002), and a secret changed in the console (another app's
    /// pasted by mistake, then the right one) is not followed by the old secret's token until that expires.
    /// </summary>
    public string SecretDigest { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret)))[..16];

    internal (string, string, string) TokenKey => (CorpId, AgentId, SecretDigest);
}

/// <summary>What WeCom answered: its errcode (0: done) and message, and the body.</summary>
public sealed record WeComAnswer(int ErrCode, string ErrMsg, JsonObject Body)
{
    public bool Ok => ErrCode == 0;
}

/// <summary>
/// WeCom's HTTP API with the access token handled: fetched once per (corp, app) at a time, across every node when
/// given a shared <see cref="IWeComTokenStore"/> (a token of one app used for another is refused with 301002, so the
/// cache is keyed by both, and by the secret: <see cref="WeComApp.SecretDigest"/>), kept until five minutes before it expires,
/// and fetched again once when WeCom ends it early (40014, 42001), the call then retried once. When WeCom says its
/// frequency or concurrency limit was hit (45009, 45033), the app's calls stop for <paramref name="backoff"/> (WeCom
/// blocks a minute's excess for 60 s): each is answered 45009 here without being sent, so a blocked app is not
/// pressed further, and callers retry after <see cref="BlockedUntil"/>.
/// </summary>
public sealed class WeComClient(HttpClient http, TimeProvider time, TimeSpan? backoff = null, IWeComTokenStore? shared = null)
{
    public const int InvalidToken = 40014, ExpiredToken = 42001, FrequencyLimit = 45009, ConcurrencyLimit = 45033;
    private static readonly TimeSpan Early = TimeSpan.FromMinutes(5);
    private readonly TimeSpan _backoff = backoff ?? TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<(string, string), DateTimeOffset> _blocked = new();
    private readonly ConcurrentDictionary<(string, string, string), (string Token, DateTimeOffset Until)> _tokens = new();
    private readonly ConcurrentDictionary<(string, string, string), SemaphoreSlim> _refreshing = new();

    /// <summary>Until when the app's calls are held back after a rate-limit refusal (null: they are not).</summary>
    public DateTimeOffset? BlockedUntil(WeComApp app) =>
        _blocked.TryGetValue((app.CorpId, app.AgentId), out var until) && until > time.GetUtcNow() ? until : null;

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> (e.g. <c>/cgi-bin/externalcontact/send_welcome_msg</c>).</summary>
    public Task<WeComAnswer> PostAsync(WeComApp app, string path, object body, CancellationToken cancellationToken = default) =>
        CallAsync(app, path, body, new Dictionary<string, string>(), cancellationToken);

    /// <summary>GETs <paramref name="path"/> with <paramref name="query"/> (e.g. <c>get_moment_task_result?jobid=</c>).</summary>
    public Task<WeComAnswer> GetAsync(WeComApp app, string path, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken = default) =>
        CallAsync(app, path, null, query, cancellationToken);

    /// <summary>
    /// As <see cref="PostAsync"/>, with every failure an answer: a token WeCom would not give (60020 for an untrusted
    /// address, 40001 for a wrong secret) as its code, and no answer at all (down, a timeout) as <see cref="Unreachable"/>.
    /// For work that records a failure and tries again later rather than failing the caller.
    /// </summary>
    public Task<WeComAnswer> TryPostAsync(WeComApp app, string path, object body, CancellationToken cancellationToken = default) =>
        AnsweringAsync(() => PostAsync(app, path, body, cancellationToken), cancellationToken);

    /// <summary>As <see cref="GetAsync"/>, with every failure an answer (see <see cref="TryPostAsync"/>).</summary>
    public Task<WeComAnswer> TryGetAsync(WeComApp app, string path, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken = default) =>
        AnsweringAsync(() => GetAsync(app, path, query, cancellationToken), cancellationToken);

    /// <summary>The code of an answer never received: WeCom down, out of reach or too slow.</summary>
    public const int Unreachable = -2;

    private static async Task<WeComAnswer> AnsweringAsync(Func<Task<WeComAnswer>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (WeComException e)
        {
            return new(e.Code, e.Message, []);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(Unreachable, e.Message, []);
        }
    }

    private async Task<WeComAnswer> CallAsync(WeComApp app, string path, object? body, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken)
    {
        var rest = string.Concat(query.Select(q => $"&{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        string? refused = null;
        for (var attempt = 0; ; attempt++)
        {
            if (BlockedUntil(app) is not null) return new(FrequencyLimit, "held back after WeCom's rate limit", []);
            var token = await TokenAsync(app, refused, cancellationToken);
            var url = $"{app.ApiBase.TrimEnd('/')}{path}?access_token={Uri.EscapeDataString(token)}{rest}";
            using var response = body is null ? await http.GetAsync(url, cancellationToken) : await http.PostAsJsonAsync(url, body, cancellationToken);
            var answer = await ReadAsync(response, cancellationToken);
            if (answer.ErrCode is FrequencyLimit or ConcurrencyLimit) _blocked[(app.CorpId, app.AgentId)] = time.GetUtcNow() + _backoff;
            if (answer.ErrCode is not (InvalidToken or ExpiredToken) || attempt > 0) return answer;
            // The refused token is never taken again by this call, even when a concurrent call put it back in memory
            // after reading the shared store before the forgetting below; and only it is removed, not a newer one.
            refused = token;
            if (_tokens.TryGetValue(app.TokenKey, out var kept) && kept.Token == token) _tokens.TryRemove(KeyValuePair.Create(app.TokenKey, kept));
            if (shared is not null) await shared.ForgetAsync(app, token);
        }
    }

    private async Task<string> TokenAsync(WeComApp app, string? refused, CancellationToken cancellationToken)
    {
        var key = app.TokenKey;
        bool Good((string Token, DateTimeOffset Until) t) => t.Until > time.GetUtcNow() && t.Token != refused;
        if (_tokens.TryGetValue(key, out var kept) && Good(kept)) return kept.Token;
        var gate = _refreshing.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_tokens.TryGetValue(key, out kept) && Good(kept)) return kept.Token; // another caller fetched it meanwhile
            if (shared is not null)
            {
                // Across nodes: the shared store hands out a token another node fetched, or lets one node fetch it.
                var (sharedToken, until) = await shared.GetOrFetchAsync(app, () => FetchAsync(app, cancellationToken));
                _tokens[key] = (sharedToken, until);
                return sharedToken;
            }
            var (fetched, keepUntil) = await FetchAsync(app, cancellationToken);
            _tokens[key] = (fetched, keepUntil);
            return fetched;
        }
        finally
        {
            gate.Release();
        }
    }

    // One gettoken call: the token, and when to stop using it (five minutes before WeCom would end it).
    private async Task<(string Token, DateTimeOffset Until)> FetchAsync(WeComApp app, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"{app.ApiBase.TrimEnd('/')}/cgi-bin/gettoken?corpid={Uri.EscapeDataString(app.CorpId)}&corpsecret={Uri.EscapeDataString(app.Secret)}",
            cancellationToken);
        var answer = await ReadAsync(response, cancellationToken);
        if (!answer.Ok) throw new WeComException(answer.ErrCode, answer.ErrMsg);
        var token = answer.Body["access_token"]!.GetValue<string>();
        var lifetime = TimeSpan.FromSeconds(answer.Body["expires_in"]?.GetValue<int>() ?? 7200);
        return (token, time.GetUtcNow() + lifetime - Early);
    }

    private static async Task<WeComAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? [];
        return new(body["errcode"]?.GetValue<int>() ?? 0, body["errmsg"]?.GetValue<string>() ?? "", body);
    }
}

/// <summary>
/// Where the nodes of a cluster share an app's access token, so that one node at a time fetches it: WeCom limits how
/// often gettoken may be called, and nodes fetching at once after an expiry would each spend a call.
/// </summary>
public interface IWeComTokenStore
{
    /// <summary>The stored token while it is good; otherwise, holding the app's lock across nodes, <paramref name="fetch"/>'s, stored.</summary>
    Task<(string Token, DateTimeOffset Until)> GetOrFetchAsync(WeComApp app, Func<Task<(string Token, DateTimeOffset Until)>> fetch);

    /// <summary>WeCom refused <paramref name="token"/>: it is not handed out again.</summary>
    Task ForgetAsync(WeComApp app, string token);
}

/// <summary>WeCom refused a call that cannot go on (a wrong secret, an unknown corp): its errcode and message.</summary>
public sealed class WeComException(int code, string message) : Exception($"WeCom {code}: {message}")
{
    public int Code { get; } = code;
}
