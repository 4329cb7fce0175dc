using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>One of a corp's apps: its agent id, its secret and the name WeCom shows for it.</summary>
public sealed record FakeApp(string AgentId, string Secret, string Name);

/// <summary>
/// A corp's apps. Each secret is one app's, and so is every token issued for it: a token used to read or act as
/// another app is refused with 301002 ("not allow operate another agent with this accesstoken"), the error SDKs meet
/// when they cache tokens by corp alone.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly ConcurrentDictionary<(string CorpId, string AgentId), FakeApp> _apps = new();

    /// <summary>Another app of the corp (the corp's own is added with it).</summary>
    public void AddApp(string corpId, FakeApp app) => _apps[(corpId, app.AgentId)] = app;

    private FakeApp? AppOfSecret(string corpId, string? secret) =>
        _apps.FirstOrDefault(a => a.Key.CorpId == corpId && a.Value.Secret == secret).Value;

    private void MapApps(WebApplication app) =>
        app.MapGet("/cgi-bin/agent/get", (string? access_token, string? agentid) =>
        {
            if (Refused(access_token) is { } refused) return refused;
            var (corpId, tokenAgent, _) = _tokens[access_token!];
            if (agentid is null || !_apps.TryGetValue((corpId, agentid), out var agent)) return Error(40056, "invalid agentid");
            if (agentid != tokenAgent) return Error(301002, "not allow operate another agent with this accesstoken");
            return Results.Json(new { errcode = 0, errmsg = "ok", agentid = int.Parse(agent.AgentId, System.Globalization.CultureInfo.InvariantCulture), name = agent.Name, close = 0 });
        });
}
