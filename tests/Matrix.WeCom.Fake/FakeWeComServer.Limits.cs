using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>
/// WeCom's own limits (WECOM.md §1.4), off unless a test sets them: a sliding window of calls per (corp, API) per
/// minute, whose excess answers 45009 and blocks that API for the corp for 60 s (WeCom's block for a minute's
/// excess), and a ceiling on calls in flight per corp, whose excess answers 45033. <see cref="CallDelay"/> keeps
/// calls in flight long enough for a test to overlap them.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly Dictionary<(string Corp, string Api), Queue<DateTimeOffset>> _windows = [];
    private readonly Dictionary<(string Corp, string Api), DateTimeOffset> _apiBlocks = [];
    private readonly Dictionary<string, int> _inFlight = [];

    /// <summary>Calls per (corp, API) in any 60 s; null: no limit.</summary>
    public int? PerMinuteLimit { get; set; }

    /// <summary>Calls of one corp in flight at once; null: no limit.</summary>
    public int? ConcurrencyLimit { get; set; }

    /// <summary>How long each API call takes.</summary>
    public TimeSpan CallDelay { get; set; }

    private void UseLimits(WebApplication app) => app.Use(async (context, next) =>
    {
        var api = context.Request.Path.Value ?? "";
        if (!api.StartsWith("/cgi-bin/", StringComparison.Ordinal) || api == "/cgi-bin/gettoken"
            || context.Request.Query["access_token"].ToString() is not { Length: > 0 } token || !_tokens.TryGetValue(token, out var known))
        {
            await next(context);
            return;
        }
        var corp = known.CorpId;
        if (PerMinuteLimit is { } limit && !WithinWindow(corp, api, limit))
        {
            Interlocked.Increment(ref _rateRefusals);
            await context.Response.WriteAsJsonAsync(new { errcode = 45009, errmsg = "api freq out of limit" });
            return;
        }
        int inFlight;
        lock (_inFlight) _inFlight[corp] = inFlight = _inFlight.GetValueOrDefault(corp) + 1;
        try
        {
            if (ConcurrencyLimit is { } most && inFlight > most)
            {
                Interlocked.Increment(ref _rateRefusals);
                await context.Response.WriteAsJsonAsync(new { errcode = 45033, errmsg = "api concurrent out of limit" });
                return;
            }
            if (CallDelay > TimeSpan.Zero) await Task.Delay(CallDelay);
            await next(context);
        }
        finally
        {
            lock (_inFlight) _inFlight[corp]--;
        }
    });

    // The window slides: calls older than 60 s drop out; past the limit the API is blocked for the corp for 60 s.
    private bool WithinWindow(string corp, string api, int limit)
    {
        var now = time.GetUtcNow();
        lock (_windows)
        {
            if (_apiBlocks.TryGetValue((corp, api), out var until) && until > now) return false;
            if (!_windows.TryGetValue((corp, api), out var calls)) _windows[(corp, api)] = calls = new();
            while (calls.Count > 0 && calls.Peek() <= now.AddSeconds(-60)) calls.Dequeue();
            if (calls.Count >= limit)
            {
                _apiBlocks[(corp, api)] = now.AddSeconds(60);
                return false;
            }
            calls.Enqueue(now);
            return true;
        }
    }
}
