using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>A 「联系我」 contact way as WeCom keeps it: its members (replaced whole by an update) and state.</summary>
public sealed record FakeContactWay(string CorpId, string ConfigId, int Type, int Scene, IReadOnlyList<string> Users, string? State);

/// <summary>
/// 「联系我」 contact ways (WECOM.md §1.5): <c>add/get/update/del_contact_way</c> with type 1 (one member) or 2 (many),
/// scene 1 or 2, at most 100 members (41041), state within 30 characters, the quota shared with join ways (41045),
/// and an update replacing the fields it names. A customer scanning a way adds one of its members, which WeCom
/// picks itself (here: in turn), and the add callback carries the way's state.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly Dictionary<string, FakeContactWay> _contactWays = [];
    private int _turn;

    /// <summary>Every add and update of a contact way as Matrix sent it.</summary>
    public ConcurrentQueue<JsonObject> ContactWayRequests { get; } = new();

    public FakeContactWay? ContactWay(string configId)
    {
        lock (_groups) return _contactWays.GetValueOrDefault(configId);
    }

    /// <summary>
    /// A customer scans the way's code and adds the member WeCom picks; the add callback goes to the corp
    /// <paramref name="copies"/> times. Returns the member, or null when the way lists nobody.
    /// </summary>
    public async Task<string?> ScanContactWayAsync(string configId, string externalUserId, int copies = 1)
    {
        FakeContactWay way;
        string user;
        lock (_groups)
        {
            way = _contactWays[configId];
            if (way.Users.Count == 0) return null;
            user = way.Users[_turn++ % way.Users.Count];
        }
        await AddCustomerAsync(way.CorpId, user, externalUserId, way.State, copies);
        return user;
    }

    private void MapContactWays(WebApplication app)
    {
        app.MapPost("/cgi-bin/externalcontact/add_contact_way", async (string? access_token, HttpRequest request) =>
            SaveContactWay(access_token, await request.ReadFromJsonAsync<JsonObject>(), null));
        app.MapPost("/cgi-bin/externalcontact/update_contact_way", async (string? access_token, HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonObject>();
            return SaveContactWay(access_token, body, body?["config_id"]?.GetValue<string>() ?? "");
        });
        app.MapPost("/cgi-bin/externalcontact/get_contact_way", async (string? access_token, HttpRequest request) =>
        {
            if (Refused(access_token) is { } refused) return refused;
            var id = (await request.ReadFromJsonAsync<JsonObject>())?["config_id"]?.GetValue<string>() ?? "";
            lock (_groups)
            {
                if (!_contactWays.TryGetValue(id, out var way)) return Error(40058, "invalid config_id");
                return Results.Json(new
                {
                    errcode = 0,
                    errmsg = "ok",
                    contact_way = new { config_id = way.ConfigId, type = way.Type, scene = way.Scene, state = way.State, user = way.Users, qr_code = $"{Url}/qr/contact/{way.ConfigId}.png" },
                });
            }
        });
        app.MapPost("/cgi-bin/externalcontact/del_contact_way", async (string? access_token, HttpRequest request) =>
        {
            if (Refused(access_token) is { } refused) return refused;
            var id = (await request.ReadFromJsonAsync<JsonObject>())?["config_id"]?.GetValue<string>() ?? "";
            lock (_groups) return _contactWays.Remove(id) ? Results.Json(new { errcode = 0, errmsg = "ok" }) : Error(40058, "invalid config_id");
        });
    }

    // add_contact_way (configId null) requires type and scene; update_contact_way replaces only the fields it names.
    private IResult SaveContactWay(string? token, JsonObject? body, string? configId)
    {
        if (Refused(token) is { } refused) return refused;
        if (body is null) return Error(40058, "invalid json");
        ContactWayRequests.Enqueue(body);
        var corpId = _tokens[token!].CorpId;
        lock (_groups)
        {
            FakeContactWay? before = null;
            if (configId is not null && !_contactWays.TryGetValue(configId, out before)) return Error(40058, "invalid config_id");
            var type = body["type"]?.GetValue<int>() ?? before?.Type ?? 0;
            var scene = body["scene"]?.GetValue<int>() ?? before?.Scene ?? 0;
            var users = body["user"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? before?.Users.ToList() ?? [];
            var state = body.ContainsKey("state") ? body["state"]?.GetValue<string>() : before?.State;
            if (type is not (1 or 2) || scene is not (1 or 2)) return Error(40058, "invalid type or scene");
            if (users.Count > 100) return Error(41041, "contact way member count exceed limit");
            if (users.Count == 0 || (type == 1 && users.Count > 1)) return Error(40058, "invalid user list");
            if (state is { Length: > 30 }) return Error(40058, "state too long");
            if (configId is null && ContactWayQuota <= 0) return Error(41045, "contact way count exceed limit");
            if (configId is null) ContactWayQuota--;
            var way = new FakeContactWay(corpId, configId ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)), type, scene, users, state);
            _contactWays[way.ConfigId] = way;
            return configId is null ? Results.Json(new { errcode = 0, errmsg = "ok", config_id = way.ConfigId }) : Results.Json(new { errcode = 0, errmsg = "ok" });
        }
    }
}
