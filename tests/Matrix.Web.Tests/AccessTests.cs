using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Matrix.Domain.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>Who may call what: no credentials, another team's operator or lead, an API key outside its scope.</summary>
public sealed class AccessTests : ApiTest
{
    /// <summary>
    /// What answers without signing in: the public live code, health, the sign-in page and API, the language switch,
    /// and the fallback that serves the build's static files (styles and scripts the sign-in page needs).
    /// </summary>
    private static readonly HashSet<string> Anonymous =
        ["GET /{**path:file}", "HEAD /{**path:file}", "GET /c/{channel}", "GET /r/{campaign}/{token}", "GET /g/{code}", "GET /wecom/callback/{corpId}", "POST /wecom/callback/{corpId}", "GET /health", "GET /sign-in", "POST /sign-in", "POST /auth/sign-in", "POST /api/auth/sign-in", "GET /culture/{culture}"];

    /// <summary>What every signed-in operator may call for themselves; lists are filtered to what they see (tested below).</summary>
    private static readonly HashSet<string> OwnOrFiltered =
    [
        // Console pages list only what the viewer sees, through the same checks (the browser tests show an operator's view).
        "GET /", "GET /accounts", "POST /", "POST /accounts", "GET /channels", "POST /channels", "GET /channels/{Id}/print", "POST /channels/{Id}/print",
        "GET /customers", "POST /customers", "GET /plans", "POST /plans", "GET /calendar", "POST /calendar", "GET /today", "POST /today", "GET /team", "POST /team", "GET /tags", "POST /tags", "GET /imports", "POST /imports", "GET /segments", "POST /segments", "GET /campaigns", "POST /campaigns", "GET /referrals", "POST /referrals", "GET /group-codes", "POST /group-codes", "GET /wecom", "POST /wecom", "GET /reports", "POST /reports", "GET /_blazor", "POST /_blazor", "GET /_blazor/disconnect", "POST /_blazor/disconnect",
        "GET /_blazor/initializers", "POST /_blazor/negotiate", "GET /_blazor/negotiate", "GET /_framework/opaque-redirect", "GET /api/me", "POST /api/me/password", "POST /api/auth/sign-out", "POST /auth/sign-out", "GET /openapi/{documentName}.json",
        "GET /api/accounts", "GET /api/personas", "GET /api/channels", "GET /api/alerts", "GET /api/tags", "GET /api/exports/{list}",
        // An import is its importer's (an admin's: anyone's); its rows may name only accounts the importer sees (ImportTests).
        "GET /api/imports/template", "POST /api/imports", "GET /api/imports", "GET /api/imports/{id:guid}", "GET /api/imports/{id:guid}/rows",
        "POST /api/imports/{id:guid}/commit", "GET /api/imports/{id:guid}/failed",
        // Segments are listed and previewed over the reader's customers; a lead's new segment is their team's (an operator's is refused).
        "GET /api/segments", "POST /api/segments/preview", "POST /api/segments",
        // Campaigns are listed over the reader's team; a campaign or an audience is only for a segment the reader
        // sees (another team's is unknown: 400 naming segmentId, tested below); an operator may not create one.
        "GET /api/campaigns", "GET /api/campaigns/audience", "POST /api/campaigns",
        // Referral campaigns are listed over the reader's team; a new one shows a channel the reader sees (another
        // team's is unknown: 400 naming channelId, tested below); an operator may not create one.
        "GET /api/referrals", "POST /api/referrals",
        // Group codes are their persona's: listed over the personas the reader sees; a new one names a persona the
        // reader manages (another team's is unknown: 400 naming personaId).
        "GET /api/group-codes", "POST /api/group-codes",
    ];

    /// <summary>Team north's operator asking for team south's things (and for what only admins or leads may do).</summary>
    private static readonly (string Method, string Path, string Body)[] Foreign =
    [
        ("GET", "/api/accounts/{B.account}", ""),
        ("GET", "/api/exports/tasks?accountId={B.account}", ""),
        ("GET", "/api/reports/growth?accountId={B.account}", ""),
        ("GET", "/api/reports/touches?accountId={B.account}&format=csv", ""),
        ("GET", "/api/reports/channels?accountId={B.account}", ""),
        ("GET", "/api/segments/{B.segment}", ""),
        ("PUT", "/api/segments/{B.segment}", """{"name":"改名","predicate":{"field":"class","in":["A"]}}"""),
        ("DELETE", "/api/segments/{B.segment}", ""),
        ("GET", "/api/segments/{B.segment}/members", ""),
        ("GET", "/api/customers/{B.customer}/segments", ""),
        ("GET", "/api/campaigns/{B.campaign}", ""),
        ("POST", "/api/campaigns/{B.campaign}/cancel", ""),
        ("GET", "/api/campaigns/{B.campaign}/results", ""),
        ("GET", "/api/referrals/{B.referral}", ""),
        ("POST", "/api/referrals/{B.referral}/posters", """{"inviterId":"{B.customer}"}"""),
        ("GET", "/api/referrals/{B.referral}/leaderboard", ""),
        ("GET", "/api/referrals/{B.referral}/inviters/{B.customer}", ""),
        ("GET", "/api/referrals/{B.referral}/rewards", ""),
        ("POST", "/api/referrals/{B.referral}/rewards/abcdefgh/redeem", ""),
        ("GET", "/api/referrals/{B.referral}/report", ""),
        ("GET", "/api/wecom/corps", ""),
        ("GET", "/api/wecom/transfers", ""),
        ("POST", "/api/wecom/transfers/sync", ""),
        ("GET", "/api/wecom/messages", ""),
        ("POST", "/api/wecom/messages/sync", ""),
        ("GET", "/api/wecom/moments", ""),
        ("POST", "/api/wecom/moments/sync", ""),
        ("GET", "/api/wecom/sync", ""),
        ("POST", "/api/wecom/sync", ""),
        ("POST", "/api/wecom/outbox/1/retry", ""),
        ("PUT", "/api/wecom/corps/ww_mallory", """{"agentId":"1","secret":"s","token":"t","aesKey":"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}"""),
        ("POST", "/api/wecom/corps/ww_mallory/check", ""),
        ("GET", "/api/group-codes/{B.groupCode}", ""),
        ("GET", "/api/group-codes/{B.groupCode}/history", ""),
        ("POST", "/api/group-codes/{B.groupCode}/groups", """{"name":"越权群","kind":"WeChat","capacity":200}"""),
        ("PUT", "/api/group-codes/{B.groupCode}/groups/{B.group}/image", """{"imageUrl":"https://img.example/x.png"}"""),
        ("POST", "/api/group-codes/{B.groupCode}/groups/{B.group}/members", """{"members":5}"""),
        ("POST", "/api/group-codes/{B.groupCode}/groups/{B.group}/close", ""),
        ("PUT", "/api/group-codes/{B.groupCode}/join-way", """{"corpId":"ww_x","autoCreateRoom":true,"roomBaseName":"越权","chatIds":["wr1"]}"""),
        ("POST", "/api/group-codes/{B.groupCode}/count", ""),
        ("GET", "/api/reports/accounts?accountId={B.account}&format=xlsx", ""),
        ("GET", "/api/reports/repurchase?accountId={B.account}", ""),
        ("GET", "/api/reports/tags?accountId={B.account}&format=csv", ""),
        ("PUT", "/api/accounts/{B.account}", """{"weChatId":"wx_x","kind":"PersonalWeChat"}"""),
        ("POST", "/api/accounts/{B.account}/role", """{"role":"Trainer"}"""),
        ("POST", "/api/accounts/{B.account}/status", """{"status":"Banned"}"""),
        ("POST", "/api/accounts/{B.account}/rehome", "{}"),
        ("POST", "/api/accounts/{B.account}/persona", """{"personaId":"{A.persona}"}"""),
        ("GET", "/api/accounts/{B.account}/tasks", ""),
        ("POST", "/api/accounts", """{"personaId":"{B.persona}","role":"Sales","settings":{"weChatId":"wx_y","kind":"PersonalWeChat"}}"""),
        ("GET", "/api/personas/{B.persona}", ""),
        ("PUT", "/api/personas/{B.persona}", """{"nickname":"改名"}"""),
        ("POST", "/api/personas", """{"nickname":"新人设","team":"south"}"""),
        ("GET", "/api/personas/{B.persona}/calendar", ""),
        ("GET", "/api/personas/{B.persona}/calendar.ics", ""),
        ("PUT", "/api/personas/{B.persona}/calendar/rules", """{"maxPerDay":5}"""),
        ("POST", "/api/personas/{B.persona}/posts", """{"text":"x","category":"Life","plannedAt":"2030-01-08T10:00:00+08:00"}"""),
        ("PUT", "/api/personas/{B.persona}/posts/{B.post}", """{"text":"x","category":"Life","plannedAt":"2030-01-08T10:00:00+08:00"}"""),
        ("POST", "/api/personas/{B.persona}/posts/{B.post}/move", """{"plannedAt":"2030-01-08T10:00:00+08:00"}"""),
        ("POST", "/api/personas/{B.persona}/posts/{B.post}/duplicate", """{"date":"2030-01-09"}"""),
        ("DELETE", "/api/personas/{B.persona}/posts/{B.post}", ""),
        ("GET", "/api/personas/{B.persona}/templates", ""),
        ("POST", "/api/personas/{B.persona}/templates", """{"name":"n","text":"t","category":"Life"}"""),
        ("PUT", "/api/personas/{B.persona}/templates/{B.template}", """{"name":"n","text":"t","category":"Life"}"""),
        ("DELETE", "/api/personas/{B.persona}/templates/{B.template}", ""),
        ("POST", "/api/personas/{B.persona}/templates/{B.template}/plan", """{"plannedAt":"2030-01-09T10:00:00+08:00"}"""),
        ("POST", "/api/personas/{B.persona}/templates/apply", """{"week":"2030-01-14"}"""),
        ("GET", "/api/channels/{B.channel}", ""),
        ("PUT", "/api/channels/{B.channel}", """{"name":"x","state":"s","personaId":"{B.persona}"}"""),
        ("GET", "/api/channels/{B.channel}/wecom", ""),
        ("PUT", "/api/channels/{B.channel}/wecom", """{"corpId":"ww_x"}"""),
        ("DELETE", "/api/channels/{B.channel}/wecom", ""),
        ("POST", "/api/channels", """{"id":"c-new","channel":{"name":"x","state":"s","personaId":"{B.persona}"}}"""),
        ("GET", "/api/customers/{B.customer}", ""),
        ("PUT", "/api/customers/{B.customer}/profile", """{"displayName":"x"}"""),
        ("POST", "/api/customers/{B.customer}/tags", """{"add":[]}"""),
        ("GET", "/api/customers/{B.customer}/timeline", ""),
        ("PUT", "/api/tags/{dimension}".Replace("{dimension}", "interest"), """{"tags":["近视"]}"""),
        ("POST", "/api/events/friend-added", """{"accountId":"{B.account}","externalId":"wx-new","at":"2026-11-22T10:00:00Z","idempotencyKey":"k-new"}"""),
        ("POST", "/api/events/friend-deleted", """{"accountId":"{B.account}","externalId":"{B.customer}","at":"2026-11-22T10:00:00Z","idempotencyKey":"k-del"}"""),
        ("POST", "/api/events/purchase", """{"customerId":"{B.customer}","orderId":"o-new","amount":5,"at":"2026-11-22T10:00:00Z"}"""),
        ("POST", "/api/events/refund", """{"orderId":"{B.order}","at":"2026-11-22T10:00:00Z"}"""),
        ("POST", "/api/events/message-received", """{"accountId":"{B.account}","customerId":"{B.customer}","at":"2026-11-22T10:00:00Z"}"""),
        ("POST", "/api/tasks/{B.task}/skip", """{"reason":"busy"}"""),
        ("POST", "/api/tasks/{B.task}/done", ""),
        ("GET", "/api/losses?accountId={B.account}", ""),
        ("GET", "/api/plans", ""),
        ("GET", "/api/plans/{plan}", ""),
        ("POST", "/api/plans", """{"name":"n","trigger":{"kind":"FriendAdded"},"template":"t","delay":{}}"""),
        ("PUT", "/api/plans/{plan}", """{"name":"n","trigger":{"kind":"FriendAdded"},"template":"t","delay":{}}"""),
        ("GET", "/api/operators", ""),
        ("POST", "/api/operators", """{"userName":"mallory","role":"Admin","password":"0123456789abc"}"""),
        ("POST", "/api/operators/root/disable", ""),
        ("POST", "/api/operators/root/enable", ""),
        ("PUT", "/api/operators/root/role", """{"role":"Operator","team":"north"}"""),
        ("POST", "/api/operators/root/password", """{"password":"0123456789abc"}"""),
        ("POST", "/api/operators/root/sessions/end", ""),
        ("GET", "/api/api-keys", ""),
        ("POST", "/api/api-keys", """{"name":"k","endpoints":["GET /api/accounts"],"accounts":["*"]}"""),
        ("DELETE", "/api/api-keys/{key}", ""),
        ("GET", "/api/audit", ""),
    ];

    private static HttpRequestMessage Request(string method, string path, string body) =>
        new(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" ? null : new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>A route pattern with dummy values, for calling an endpoint without caring what it acts on.</summary>
    private static string Dummy(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern.Replace("{**path:file}", "x.txt"), @"\{(\w+)(:guid|:int|:long)?\}",
            m => m.Groups[2].Value == ":guid" ? Guid.Empty.ToString() : m.Groups[2].Value is ":int" or ":long" ? "1" : m.Groups[1].Value == "documentName" ? "v1" : "x");

    [Fact]
    public async Task Without_credentials_every_endpoint_but_the_public_ones_answers_401_or_sends_to_sign_in()
    {
        var anonymous = App.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var failures = new List<string>();
        foreach (var key in TwoTeams.EndpointKeys(App).Where(k => !Anonymous.Contains(k)))
        {
            var (method, path) = (key.Split(' ')[0], Dummy(key.Split(' ', 2)[1]));
            var response = await anonymous.SendAsync(Request(method, path, "{}"));
            var ok = path.StartsWith("/api/") ? response.StatusCode == HttpStatusCode.Unauthorized
                : response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found && response.Headers.Location!.ToString().Contains("/sign-in")
                  || response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest && method == "POST"; // a form post without a session and token
            if (!ok) failures.Add($"{key}: {(int)response.StatusCode}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/sign-in")).StatusCode);
    }

    [Fact]
    public async Task Another_teams_operator_and_lead_get_403_or_404_for_every_endpoint_and_change_nothing()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var covered = Foreign.Select(f => $"{f.Method} {f.Path.Split('?')[0]}").ToHashSet();
        var keys = TwoTeams.EndpointKeys(App);
        // Orleans's dashboard (the cluster, not a team's data) is for admins only.
        var adminOnly = keys.Where(k => k.StartsWith("GET /dashboard", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(adminOnly);
        var uncovered = keys.Where(k => !Anonymous.Contains(k) && !OwnOrFiltered.Contains(k) && !adminOnly.Contains(k)).Where(k => !covered.Contains(Pattern(k, world))).ToList();
        Assert.True(uncovered.Count == 0, "endpoints with no foreign-access case: " + string.Join(", ", uncovered));

        var failures = new List<string>();
        foreach (var (who, role) in new[] { ("op-north", OperatorRole.Operator), ("lead-north", OperatorRole.Lead) })
        {
            var client = await App.SignedInAsync(who, role, "north");
            foreach (var key in adminOnly)
            {
                var response = await client.GetAsync(Dummy(key.Split(' ', 2)[1]));
                if (response.StatusCode != HttpStatusCode.Forbidden) failures.Add($"{who} {key}: {(int)response.StatusCode}");
            }
            foreach (var (method, path, body) in Foreign)
            {
                if (role == OperatorRole.Lead && path.StartsWith("/api/plans")) continue; // leads run the store's plans
                var before = await SnapshotAsync();
                var response = await client.SendAsync(Request(method, world.Fill(path), world.Fill(body)));
                if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
                    && !(role == OperatorRole.Lead && response.StatusCode == HttpStatusCode.BadRequest && body.Contains("{B.persona}") && !path.Contains("{B.")))
                    failures.Add($"{who} {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                if (before != await SnapshotAsync()) failures.Add($"{who} {method} {path}: changed the database");
            }
        }
        Assert.Empty(failures);
    }

    // "/api/accounts/{id}" from the endpoint table matches "/api/accounts/{B.account}" in ours.
    private static string Pattern(string key, TwoTeams world)
    {
        var (method, pattern) = (key.Split(' ')[0], key.Split(' ', 2)[1]);
        var match = Foreign.FirstOrDefault(f => f.Method == method && System.Text.RegularExpressions.Regex.IsMatch(f.Path.Split('?')[0],
            "^" + System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\{", "{"), @"\{[^}]+}", "[^/]+") + "$"));
        return match.Method is null ? key : $"{match.Method} {match.Path.Split('?')[0]}";
    }

    [Fact]
    public async Task Each_sees_only_their_own_in_lists()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var op = await App.SignedInAsync("op-north", OperatorRole.Operator, "north");
        Assert.Equal([world["A.account"]], await IdsAsync(op, "/api/accounts"));
        Assert.Equal([world["A.persona"]], await IdsAsync(op, "/api/personas"));
        Assert.Equal([world["A.channel"]], await IdsAsync(op, "/api/channels"));
        var lead = await App.SignedInAsync("lead-south", OperatorRole.Lead, "south");
        Assert.Equal([world["B.account"]], await IdsAsync(lead, "/api/accounts"));
        Assert.Equal(2, (await IdsAsync(Http, "/api/accounts")).Count); // the admin sees both

        // Editing an account or persona without naming the team keeps it.
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync($"/api/accounts/{world["A.account"]}", new { weChatId = "wx_north_2", kind = "PersonalWeChat", @operator = "op-north" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync($"/api/personas/{world["A.persona"]}", new { nickname = "小林-north-2" })).StatusCode);
        Assert.Equal([world["A.account"]], await IdsAsync(op, "/api/accounts"));
        Assert.Equal("north", (await Http.GetFromJsonAsync<JsonElement>($"/api/personas/{world["A.persona"]}")).GetProperty("team").GetString());

        // Campaigns: each team's own; another team's segment is no segment to a lead, nor its audience; an operator sends none.
        Assert.Equal([world["A.campaign"]], await IdsAsync(op, "/api/campaigns"));
        Assert.Equal(2, (await IdsAsync(Http, "/api/campaigns")).Count);
        var before = await SnapshotAsync();
        var foreignCampaign = await lead.PostAsJsonAsync("/api/campaigns", new { name = "越权", segmentId = world["A.segment"], template = "x", schedule = new { repeat = "Once" } });
        Assert.Equal(HttpStatusCode.BadRequest, foreignCampaign.StatusCode);
        Assert.True((await foreignCampaign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("segmentId", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await lead.GetAsync($"/api/campaigns/audience?segmentId={world["A.segment"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsJsonAsync("/api/campaigns", new { name = "x", segmentId = world["A.segment"], template = "x", schedule = new { repeat = "Once" } })).StatusCode);
        Assert.Equal(before, await SnapshotAsync());
        Assert.Equal(1, (await lead.GetFromJsonAsync<JsonElement>($"/api/campaigns/audience?segmentId={world["B.segment"]}")).GetProperty("count").GetInt32());

        // Referral campaigns: each team's own; a lead's shows only a channel of theirs, and is their team's.
        Assert.Equal([world["A.referral"]], await IdsAsync(op, "/api/referrals"));
        Assert.Equal(2, (await IdsAsync(Http, "/api/referrals")).Count);
        before = await SnapshotAsync();
        var foreignReferral = await lead.PostAsJsonAsync("/api/referrals", new { name = "越权", channelId = world["A.channel"], startsAt = DateTimeOffset.UtcNow,
            endsAt = DateTimeOffset.UtcNow.AddDays(7), levels = new[] { new { friends = 3, reward = "券" } } });
        Assert.Equal(HttpStatusCode.BadRequest, foreignReferral.StatusCode);
        Assert.True((await foreignReferral.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("channelId", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsJsonAsync("/api/referrals", new { name = "x", channelId = world["A.channel"], startsAt = DateTimeOffset.UtcNow,
            endsAt = DateTimeOffset.UtcNow.AddDays(7), levels = new[] { new { friends = 3, reward = "券" } } })).StatusCode);
        Assert.Equal(before, await SnapshotAsync());
        var ownReferral = await lead.PostAsJsonAsync("/api/referrals", new { name = "本队", channelId = world["B.channel"], startsAt = DateTimeOffset.UtcNow,
            endsAt = DateTimeOffset.UtcNow.AddDays(7), levels = new[] { new { friends = 3, reward = "券" } } });
        Assert.Equal("south", (await ownReferral.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("team").GetString());

        // Group codes: each persona's own; another team's persona is no persona to a lead.
        Assert.Equal([world["A.groupCode"]], await IdsAsync(op, "/api/group-codes"));
        Assert.Equal(2, (await IdsAsync(Http, "/api/group-codes")).Count);
        var foreignCode = await lead.PostAsJsonAsync("/api/group-codes", new { name = "越权", personaId = world["A.persona"] });
        Assert.Equal(HttpStatusCode.BadRequest, foreignCode.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsJsonAsync("/api/group-codes", new { name = "x", personaId = world["A.persona"] })).StatusCode);

        // A lead creates in their own team only.
        var mine = await lead.PostAsJsonAsync("/api/personas", new { nickname = "新人设" });
        Assert.Equal("south", (await mine.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("team").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.PostAsJsonAsync("/api/personas", new { nickname = "越权", team = "north" })).StatusCode);
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string path) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(path)).EnumerateArray().Select(e => e.GetProperty("id").GetString()!).Order()];

    [Fact]
    public async Task An_API_key_calls_only_its_endpoints_for_its_accounts_and_stops_when_revoked()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var created = await (await Http.PostAsJsonAsync("/api/api-keys", new { name = "till-north", endpoints = new[] { "POST /api/events/purchase", "GET /api/customers/{id}" }, accounts = new[] { world["A.account"] } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var till = App.CreateClient();
        till.DefaultRequestHeaders.Add("X-Api-Key", created.GetProperty("token").GetString());

        var own = await till.PostAsJsonAsync("/api/events/purchase", new { customerId = world["A.customer"], orderId = "till-1", amount = 50m, at = DateTimeOffset.UtcNow });
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await till.PostAsJsonAsync("/api/events/purchase", new { customerId = world["B.customer"], orderId = "till-2", amount = 50m, at = DateTimeOffset.UtcNow })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await till.GetAsync($"/api/customers/{world["B.customer"]}")).StatusCode);

        // Every other endpoint is outside the key's scope.
        var failures = new List<string>();
        foreach (var key in TwoTeams.EndpointKeys(App).Where(k => !Anonymous.Contains(k) && k is not ("POST /api/events/purchase" or "GET /api/customers/{id}")))
        {
            var (method, path) = (key.Split(' ')[0], Dummy(key.Split(' ', 2)[1]));
            var response = await till.SendAsync(Request(method, path, "{}"));
            if (response.StatusCode != HttpStatusCode.Forbidden) failures.Add($"{key}: {(int)response.StatusCode}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/api-keys/{created.GetProperty("key").GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await till.PostAsJsonAsync("/api/events/purchase", new { customerId = world["A.customer"], orderId = "till-3", amount = 50m, at = DateTimeOffset.UtcNow })).StatusCode);
    }

    [Fact]
    public async Task Passwords_and_API_keys_are_not_stored_in_clear()
    {
        var created = await (await Http.PostAsJsonAsync("/api/api-keys", new { name = "k", endpoints = new[] { "GET /api/accounts" }, accounts = new[] { "*" } })).Content.ReadFromJsonAsync<JsonElement>();
        var token = created.GetProperty("token").GetString()!;
        var secret = token.Split('_', 3)[2];

        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var operators = new Npgsql.NpgsqlCommand("select string_agg(o::text, '|') from operators o", connection);
        var operatorRows = (string)(await operators.ExecuteScalarAsync())!;
        Assert.DoesNotContain(MatrixApp.Password, operatorRows);
        Assert.Contains("root", operatorRows);
        await using var keys = new Npgsql.NpgsqlCommand("select string_agg(k::text || encode(k.secret_hash, 'escape'), '|') from api_keys k", connection);
        var keyRows = (string)(await keys.ExecuteScalarAsync())!;
        Assert.DoesNotContain(secret, keyRows);
        Assert.DoesNotContain(token, keyRows);
        Assert.DoesNotContain(secret, await Http.GetStringAsync("/api/api-keys")); // shown once, never again

        var withKey = App.CreateClient();
        withKey.DefaultRequestHeaders.Add("X-Api-Key", token);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/api/accounts")).StatusCode);
        var wrong = App.CreateClient();
        wrong.DefaultRequestHeaders.Add("X-Api-Key", token[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/accounts")).StatusCode);
    }

    [Fact]
    public async Task Role_status_and_persona_changes_moves_plans_and_sign_ins_are_in_the_audit_log()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        await Http.PostAsJsonAsync($"/api/accounts/{world["A.account"]}/role", new { role = "Trainer" });
        await Http.PostAsJsonAsync($"/api/accounts/{world["A.account"]}/status", new { status = "Banned" });
        await Http.PostAsJsonAsync($"/api/accounts/{world["A.account"]}/rehome", new { });
        await Http.PostAsJsonAsync("/api/auth/sign-in", new { userName = "op-north", password = "wrong password!" });

        var log = (await Http.GetFromJsonAsync<JsonElement>("/api/audit")).EnumerateArray()
            .Select(e => (Actor: e.GetProperty("actor").GetString(), Action: e.GetProperty("action").GetString(), Target: e.GetProperty("target").GetString())).ToList();
        Assert.Contains(("root", "account.role", world["A.account"]), log);
        Assert.Contains(("root", "account.status", world["A.account"]), log);
        Assert.Contains(("root", "customers.moved", world["A.account"]), log);
        Assert.Contains(("root", "plan.created", world["plan"]), log);
        Assert.Contains(("root", "sign-in", "root"), log);
        Assert.Contains(("op-north", "sign-in.failed", "op-north"), log);
        Assert.Contains(("root", "api-key.created", world["key"]), log);
    }

    [Fact]
    public async Task The_channel_list_shows_each_viewer_their_channels_each_in_the_state_a_scan_would_meet()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        await CreateAsync("/api/channels", new { id = "sales-wide", channel = new { name = "全员", role = "Sales", state = "s-all" } });
        var desk = App.Services.GetRequiredService<Matrix.Web.ConsoleModel.ChannelDesk>();
        var liveCodes = App.Services.GetRequiredService<Matrix.Grains.Capacity.LiveCodeService>();

        var all = await desk.RowsAsync(People.Signed("root", OperatorRole.Admin, null));
        Assert.Equal([world["A.channel"], world["B.channel"], "sales-wide"], all.Select(r => r.Id).Order());
        foreach (var row in all) Assert.Equal(await liveCodes.RoomAsync(row.Id), row.Room); // one read for all, the same answer as each alone
        Assert.Equal([world["A.channel"]], (await desk.RowsAsync(People.Signed("lead-north", OperatorRole.Lead, "north"))).Select(r => r.Id));
        Assert.Equal([world["B.channel"]], (await desk.RowsAsync(People.Signed("op-south", OperatorRole.Operator, "south"))).Select(r => r.Id));
    }

    [Fact]
    public async Task The_public_live_code_page_shows_only_the_persona_name_avatar_and_QR()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var page = await App.CreateClient().GetStringAsync($"/c/{world["A.channel"]}");
        Assert.Contains("小林-north", page);
        foreach (var hidden in new[] { world["A.account"], world["A.persona"], "op-north", "s-north", "欢迎" })
            Assert.DoesNotContain(hidden, page);
        // The account has no QR image: its WeChat ID, which the customer is about to add anyway, is drawn and said instead.
        Assert.Contains("wx_north", page);
    }

    [Fact]
    public async Task A_calendar_app_subscribes_to_a_persona_feed_with_a_key_in_the_URL()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var created = await (await Http.PostAsJsonAsync("/api/api-keys",
            new { name = "calendar", endpoints = new[] { "GET /api/personas/{id}/calendar.ics" }, accounts = new[] { world["A.account"] } })).Content.ReadFromJsonAsync<JsonElement>();
        var token = Uri.EscapeDataString(created.GetProperty("token").GetString()!);
        var app = App.CreateClient(); // a calendar app: no cookie, no header

        var feed = await app.GetAsync($"/api/personas/{world["A.persona"]}/calendar.ics?key={token}");
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        Assert.StartsWith("BEGIN:VCALENDAR", await feed.Content.ReadAsStringAsync());
        Assert.True((await app.GetAsync($"/api/personas/{world["B.persona"]}/calendar.ics?key={token}")).StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync($"/api/accounts?key={token}")).StatusCode); // the URL key is read for feeds only
    }
}
