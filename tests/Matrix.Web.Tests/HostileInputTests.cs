using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>Malformed and hostile requests against every write endpoint: each answers 4xx with a reason and changes nothing.</summary>
public sealed class HostileInputTests : ApiTest
{
    private const string At = "2026-11-22T10:00:00Z";
    private static readonly string Long = new('长', 2_001);

    private static readonly (string Method, string Path, string Body, HttpStatusCode Status, string Field)[] Cases =
    [
        ("POST", "/api/personas", """{"nickname":42}""", HttpStatusCode.BadRequest, "nickname"),
        ("POST", "/api/personas", "{\"nickname\":\"" + new string('x', 5 * 1024 * 1024) + "\"}", HttpStatusCode.RequestEntityTooLarge, ""),
        ("PUT", "/api/personas/{A.persona}", """{"nickname":""}""", HttpStatusCode.BadRequest, "nickname"),
        ("POST", "/api/accounts", """{"personaId":"x'; drop table grain_state;--","role":"Sales","settings":{"weChatId":"wx","kind":"PersonalWeChat"}}""", HttpStatusCode.BadRequest, "personaId"),
        ("PUT", "/api/accounts/{A.account}", """{"weChatId":"wx","kind":"Fax"}""", HttpStatusCode.BadRequest, "kind"),
        ("POST", "/api/accounts/{A.account}/role", """{"role":"<script>alert(1)</script>"}""", HttpStatusCode.BadRequest, "role"),
        ("POST", "/api/accounts/{A.account}/status", """{"status":[1,2]}""", HttpStatusCode.BadRequest, "status"),
        ("POST", "/api/accounts/{A.account}/rehome", "[]", HttpStatusCode.BadRequest, ""),
        ("POST", "/api/accounts/{A.account}/persona", """{"personaId":"p-nope"}""", HttpStatusCode.BadRequest, "personaId"),
        ("POST", "/api/channels", """{"id":"a/../b","channel":{"name":"x","state":"s","personaId":"{A.persona}"}}""", HttpStatusCode.BadRequest, "id"),
        ("PUT", "/api/channels/{A.channel}", """{"name":"x","state":"1234567890123456789012345678901","personaId":"{A.persona}"}""", HttpStatusCode.BadRequest, "state"),
        ("PUT", "/api/channels/{A.channel}/wecom", """{"corpId":"<script>alert(1)</script>"}""", HttpStatusCode.BadRequest, "corpId"),
        ("POST", "/api/wecom/corps/'%20or%201=1%20--/check", "", HttpStatusCode.NotFound, ""),
        ("DELETE", "/api/channels/{A.channel}/wecom", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/wecom/transfers/sync", """{"corpId":"<script>"}""", HttpStatusCode.BadRequest, "corpId"),
        ("POST", "/api/wecom/corps/'%20or%201=1%20--/check", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/wecom/messages/sync", """{"corpId":"<script>"}""", HttpStatusCode.BadRequest, "corpId"),
        ("POST", "/api/wecom/corps/'%20or%201=1%20--/check", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/wecom/moments/sync", """{"corpId":"<script>"}""", HttpStatusCode.BadRequest, "corpId"),
        ("POST", "/api/wecom/corps/'%20or%201=1%20--/check", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/wecom/sync", """{"corpId":"<script>"}""", HttpStatusCode.BadRequest, "corpId"),
        ("POST", "/api/wecom/corps/'%20or%201=1%20--/check", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/wecom/outbox/-1/retry", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/events/friend-added", """{"accountId":"' or 1=1 --","externalId":"x","at":"2026-11-22T10:00:00Z","idempotencyKey":"k1"}""", HttpStatusCode.NotFound, ""),
        ("POST", "/api/events/friend-deleted", """{"accountId":"{A.account}","externalId":"","at":"2026-11-22T10:00:00Z","idempotencyKey":"k2"}""", HttpStatusCode.BadRequest, "externalId"),
        ("POST", "/api/events/purchase", """{"customerId":"{A.customer}","orderId":"{B.order}","amount":1,"at":"2026-11-22T10:00:00Z"}""", HttpStatusCode.BadRequest, "orderId"),
        ("POST", "/api/events/refund", """{"orderId":"nope'--","at":"2026-11-22T10:00:00Z"}""", HttpStatusCode.NotFound, ""),
        ("POST", "/api/events/message-received", """{"accountId":"{A.account}","customerId":"{A.customer}","at":"not a date"}""", HttpStatusCode.BadRequest, "at"),
        ("PUT", "/api/customers/{A.customer}/profile", """{"attributes":{"<b>":"x"}}""", HttpStatusCode.BadRequest, "attributes.<b>"),
        ("POST", "/api/customers/{A.customer}/tags", """{"add":["<script>alert(1)</script>"]}""", HttpStatusCode.BadRequest, "tags"),
        ("PUT", "/api/tags/interest", """{"tags":"not a list"}""", HttpStatusCode.BadRequest, "tags"),
        ("POST", "/api/tasks/{A.task}/skip", """{"reason":""}""", HttpStatusCode.BadRequest, "reason"),
        ("POST", "/api/tasks/00000000-0000-0000-0000-000000000000/done", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/plans", "{\"name\":\"n\",\"trigger\":{\"kind\":\"FriendAdded\"},\"template\":\"" + Long + "\",\"delay\":{}}", HttpStatusCode.BadRequest, "template"),
        ("PUT", "/api/plans/{plan}", """{"name":"","trigger":{"kind":"FriendAdded"},"template":"t","delay":{}}""", HttpStatusCode.BadRequest, "name"),
        ("PUT", "/api/personas/{A.persona}/calendar/rules", """{"maxPerDay":-1}""", HttpStatusCode.BadRequest, "rules.maxPerDay"),
        ("POST", "/api/personas/{A.persona}/posts", """{"text":"x","category":"Life","plannedAt":"2030-01-07T23:30:00+08:00"}""", HttpStatusCode.BadRequest, "plannedAt"),
        ("PUT", "/api/personas/{A.persona}/posts/{A.post}", "{\"text\":\"" + Long + "\",\"category\":\"Life\",\"plannedAt\":\"2030-01-08T10:00:00+08:00\"}", HttpStatusCode.BadRequest, "text"),
        ("POST", "/api/personas/{A.persona}/posts/{A.post}/move", """{"plannedAt":null}""", HttpStatusCode.BadRequest, "plannedAt"),
        ("POST", "/api/personas/{A.persona}/posts/{A.post}/duplicate", """{"date":"2030-13-45"}""", HttpStatusCode.BadRequest, "date"),
        ("DELETE", "/api/personas/{A.persona}/posts/post-nope", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/personas/{A.persona}/templates", """{"name":"n","text":"x","category":"Life","media":{"video":"v.mp4","link":"https://x"}}""", HttpStatusCode.BadRequest, "media"),
        ("PUT", "/api/personas/{A.persona}/templates/{A.template}", """{"name":"","text":"x","category":"Life"}""", HttpStatusCode.BadRequest, "name"),
        ("DELETE", "/api/personas/{A.persona}/templates/tpl-nope", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/personas/{A.persona}/templates/{A.template}/plan", """{"plannedAt":"yesterday"}""", HttpStatusCode.BadRequest, "plannedAt"),
        ("POST", "/api/personas/{A.persona}/templates/apply", """{"week":"2030-01-14"}""", HttpStatusCode.BadRequest, "week"),
        ("POST", "/api/operators", """{"userName":"'; drop table operators;--","role":"Admin","password":"0123456789ab"}""", HttpStatusCode.BadRequest, "userName"),
        ("POST", "/api/api-keys", """{"name":"k","endpoints":["DROP TABLE api_keys"],"accounts":["*"]}""", HttpStatusCode.BadRequest, "endpoints"),
        ("DELETE", "/api/api-keys/nope", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/operators/nobody/disable", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/operators/nobody/enable", "", HttpStatusCode.NotFound, ""),
        ("PUT", "/api/operators/nobody/role", """{"role":"Chief","team":"north"}""", HttpStatusCode.BadRequest, "role"),
        ("POST", "/api/operators/nobody/password", """{"password":"short"}""", HttpStatusCode.BadRequest, "password"),
        ("POST", "/api/operators/nobody/sessions/end", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/imports", """{"file":"<script>alert(1)</script>"}""", HttpStatusCode.BadRequest, "file"),
        ("POST", "/api/imports/00000000-0000-0000-0000-000000000000/commit", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/segments", """{"name":"<script>alert(1)</script>","predicate":{"all":[{"field":"stage","in":["DROP TABLE customer_index"]}]}}""", HttpStatusCode.BadRequest, "predicate.all[0].in[0]"),
        ("POST", "/api/segments/preview", """{"predicate":{"field":"attribute","key":"birthday')) or true --","withinDays":99999}}""", HttpStatusCode.BadRequest, "predicate.withinDays"),
        ("PUT", "/api/segments/{A.segment}", """{"name":"x","predicate":{"not":{"not":{"not":{"not":{"not":{"field":"class","in":["A"]}}}}}}}""", HttpStatusCode.BadRequest, "predicate.not.not.not.not.not"),
        ("DELETE", "/api/segments/nope", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/campaigns", """{"name":"x","segmentId":"{A.segment}","template":"{nickname}","link":"javascript:alert(document.cookie)","schedule":{"repeat":"Once"}}""", HttpStatusCode.BadRequest, "link"),
        ("POST", "/api/campaigns/nope/cancel", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/referrals", """{"name":"x","channelId":"{A.channel}","startsAt":"2026-11-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z","levels":[{"friends":3,"reward":"券"},{"friends":2,"reward":"<script>"}]}""", HttpStatusCode.BadRequest, "levels[1].friends"),
        ("POST", "/api/referrals", """{"name":"x","channelId":"../../etc/passwd","startsAt":"2026-11-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z","levels":[{"friends":3,"reward":"券"}]}""", HttpStatusCode.BadRequest, "channelId"),
        ("POST", "/api/group-codes", """{"name":"","personaId":"{A.persona}"}""", HttpStatusCode.BadRequest, "name"),
        ("PUT", "/api/wecom/corps/ww_x", """{"agentId":"1","secret":"s","token":"t","aesKey":"short'; drop table wecom_corps;--"}""", HttpStatusCode.BadRequest, "aesKey"),
        ("PUT", "/api/wecom/corps/..%2F..%2Fetc", """{"agentId":"1","secret":"s","token":"t","aesKey":"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}""", HttpStatusCode.BadRequest, "corpId"),
        ("POST", "/api/wecom/corps/'%20or%201=1%20--/check", "", HttpStatusCode.NotFound, ""),
        ("POST", "/api/group-codes/{A.groupCode}/groups", """{"name":"x","kind":"WeChat","capacity":"lots"}""", HttpStatusCode.BadRequest, "capacity"),
        ("PUT", "/api/group-codes/{A.groupCode}/groups/{A.group}/image", """{"imageUrl":"javascript:alert(document.cookie)"}""", HttpStatusCode.BadRequest, "imageUrl"),
        ("POST", "/api/group-codes/{A.groupCode}/groups/{A.group}/members", """{"members":-1}""", HttpStatusCode.BadRequest, "members"),
        ("POST", "/api/group-codes/{A.groupCode}/groups/nope/close", "", HttpStatusCode.NotFound, ""),
        ("PUT", "/api/group-codes/{A.groupCode}/join-way", """{"corpId":"ww_x","roomBaseName":"<script>","chatIds":["wr1"]}""", HttpStatusCode.BadRequest, "autoCreateRoom"),
        ("POST", "/api/group-codes/{A.groupCode}/count", "", HttpStatusCode.BadRequest, "id"),
        ("POST", "/api/referrals/{A.referral}/posters", """{"inviterId":"' or 1=1 --"}""", HttpStatusCode.BadRequest, "inviterId"),
        ("POST", "/api/referrals/{A.referral}/rewards/'%20or%201=1%20--/redeem", "", HttpStatusCode.NotFound, ""),
    ];

    /// <summary>One case per write endpoint (the table above), for other suites to vary.</summary>
    internal static IReadOnlyList<(string Method, string Path, string Body, HttpStatusCode Status, string Field)> WriteCases => Cases;

    [Fact]
    public async Task Every_write_endpoint_refuses_hostile_input_with_a_reason_and_the_database_is_unchanged()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var writes = TwoTeams.EndpointKeys(App).Where(k => k.Split(' ')[0] is "POST" or "PUT" or "DELETE" && k.Split(' ')[1].StartsWith("/api/")
            && !k.Contains("/api/auth/") && !k.Contains("/api/me/")).ToList();
        var covered = writes.Where(w => Cases.Any(c => c.Method == w.Split(' ')[0] && Matches(w.Split(' ', 2)[1], c.Path))).ToHashSet();
        Assert.True(covered.Count == writes.Count, "write endpoints with no hostile case: " + string.Join(", ", writes.Except(covered)));

        var failures = new List<string>();
        foreach (var (method, path, body, status, field) in Cases)
        {
            var before = await SnapshotAsync();
            var request = new HttpRequestMessage(new HttpMethod(method), world.Fill(path));
            if (body.Length > 0) request.Content = new StringContent(world.Fill(body), Encoding.UTF8, "application/json");
            var response = await Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != status) failures.Add($"{method} {path}: {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") failures.Add($"{method} {path}: no problem+json reason");
            else if (field.Length > 0 && !JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _)) failures.Add($"{method} {path}: no error for '{field}' in {text}");
            if (before != await SnapshotAsync()) failures.Add($"{method} {path}: changed the database");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task A_replayed_event_changes_nothing()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var before = await SnapshotAsync();
        var replay = await Http.PostAsJsonAsync("/api/events/friend-added",
            new { accountId = world["A.account"], externalId = world["A.customer"], at = DateTimeOffset.UtcNow, idempotencyKey = "add-north", channel = world["A.channel"] });
        Assert.Equal("duplicate", (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        var purchase = await Http.PostAsJsonAsync("/api/events/purchase", new { customerId = world["A.customer"], orderId = world["A.order"], amount = 100m, at = DateTimeOffset.UtcNow });
        Assert.Equal("duplicate", (await purchase.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Markup_in_names_and_templates_is_kept_as_text_and_never_rendered_as_markup()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var persona = await CreateAsync("/api/personas", new { nickname = hostile });
        await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx<b>bold</b>", kind = "PersonalWeChat" } });
        Assert.Equal(hostile, (await Http.GetFromJsonAsync<JsonElement>($"/api/personas/{persona}")).GetProperty("nickname").GetString());

        var page = await Http.GetStringAsync("/accounts");
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page);
        Assert.DoesNotContain(hostile, page);
        Assert.DoesNotContain("<b>bold</b>", page);

        var plan = await CreateAsync("/api/plans", new { name = "<script>x</script>", trigger = new { kind = "FriendAdded" }, template = "<script>alert(1)</script>{nickname}", delay = new { days = 1 } });
        Assert.Equal("<script>alert(1)</script>{nickname}", (await Http.GetFromJsonAsync<JsonElement>($"/api/plans/{plan}")).GetProperty("plan").GetProperty("template").GetString());
    }

    private static bool Matches(string pattern, string path) =>
        System.Text.RegularExpressions.Regex.IsMatch(path.Split('?')[0],
            "^" + System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\{", "{"), @"\{[^}]+}", "[^/]+") + "$");
}

/// <summary>
/// The input no field may hold, sent to every write endpoint: control characters, invalid UTF-8, impossible dates,
/// enum numbers, numbers out of range. Each answers 4xx (naming the field where one is named), the database is
/// unchanged, and the node goes on serving valid requests on the same connections.
/// </summary>
public sealed class HostileValueTests : ApiTest
{
    private static readonly string[] Dates = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+00:00"];

    private static IEnumerable<(string Label, string Body, string? Field)> Variants(string body)
    {
        var node = body.Length > 0 && body.TrimStart().StartsWith('{') ? System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject() : null;
        if (node is null)
        {
            yield return ("nul", "{\"name\":\"a\\u0000b\"}", "name");
            yield break;
        }
        var strings = node.Where(p => p.Value?.GetValueKind() == JsonValueKind.String).Select(p => p.Key).ToList();
        foreach (var key in strings.DefaultIfEmpty("zzz"))
        {
            var copy = node.DeepClone().AsObject();
            copy[key] = "a\u0000b";
            yield return ($"nul in {key}", copy.ToJsonString(), key);
            copy[key] = "a\u0007\u009fb";
            yield return ($"control in {key}", copy.ToJsonString(), key);
        }
        foreach (var key in node.Select(p => p.Key).Where(k => k is "at" or "plannedAt" or "date" or "week"))
            foreach (var date in Dates)
            {
                var copy = node.DeepClone().AsObject();
                copy[key] = key is "date" or "week" ? date[..10] : date;
                yield return ($"{key}={date}", copy.ToJsonString(), null);
            }
        foreach (var key in node.Select(p => p.Key).Where(k => k is "role" or "status" or "kind" or "category"))
        {
            var copy = node.DeepClone().AsObject();
            copy[key] = 12345;
            yield return ($"{key}=12345", copy.ToJsonString(), key);
        }
        foreach (var key in node.Where(p => p.Value?.GetValueKind() == JsonValueKind.Number).Select(p => p.Key))
            foreach (var number in new[] { "1e400", "9223372036854775808" })
                yield return ($"{key}={number}", node.ToJsonString().Replace($"\"{key}\":{node[key]!.ToJsonString()}", $"\"{key}\":{number}"), key);
    }

    [Fact]
    public async Task Every_write_endpoint_refuses_impossible_values_and_the_node_goes_on()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var failures = new List<string>();
        var before = await SnapshotAsync();
        foreach (var (method, path, body, _, _) in HostileInputTests.WriteCases)
        {
            foreach (var (label, variant, field) in Variants(world.Fill(body)))
            {
                var request = new HttpRequestMessage(new HttpMethod(method), world.Fill(path)) { Content = new StringContent(variant, Encoding.UTF8, "application/json") };
                var response = await Http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode is < 400 or >= 500) failures.Add($"{method} {path} {label}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
                else if (field is not null && response.StatusCode == HttpStatusCode.BadRequest
                         && !JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Any(e => e.Name == field || e.Name.EndsWith("." + field)))
                    failures.Add($"{method} {path} {label}: does not name {field}: {text}");
            }
            var bytes = new ByteArrayContent([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]); // {"a":"\xFF\xFE"}
            bytes.Headers.ContentType = new("application/json");
            var invalid = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), world.Fill(path)) { Content = bytes });
            if ((int)invalid.StatusCode is < 400 or >= 500) failures.Add($"{method} {path} invalid UTF-8: {(int)invalid.StatusCode}");
        }
        Assert.Empty(failures);
        Assert.Equal(before, await SnapshotAsync());

        // The same node, the same pooled connections, go on serving; a GET that names JSON but sends no body is no input.
        var get = new HttpRequestMessage(HttpMethod.Get, "/api/personas") { Content = new StringContent("", Encoding.UTF8, "application/json") };
        get.Content.Headers.ContentLength = null; // as curl sends it: a content type, no length, no body
        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(get)).StatusCode);
        await CreateAsync("/api/personas", new { nickname = "之后" });
    }

    [Fact]
    public async Task Event_times_outside_their_window_are_refused_naming_the_field()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var before = await SnapshotAsync();
        foreach (var at in new[] { "0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00", DateTimeOffset.UtcNow.AddHours(1).ToString("O") })
        {
            await AssertProblemAsync(await Http.PostAsJsonAsync("/api/events/friend-added",
                new { accountId = world["A.account"], externalId = "wx-time", at, idempotencyKey = "time-" + at }), "at");
            await AssertProblemAsync(await Http.PostAsJsonAsync("/api/events/purchase",
                new { customerId = world["A.customer"], orderId = "time-" + at, amount = 1m, at }), "at");
            await AssertProblemAsync(await Http.PostAsJsonAsync("/api/events/message-received",
                new { accountId = world["A.account"], customerId = world["A.customer"], at }), "at");
        }
        await AssertProblemAsync(await Http.PostAsJsonAsync($"/api/personas/{world["A.persona"]}/posts",
            new { text = "x", category = "Life", plannedAt = "2099-01-05T10:00:00+08:00" }), "plannedAt");
        await AssertProblemAsync(await Http.PutAsJsonAsync($"/api/customers/{world["A.customer"]}/profile",
            new { attributes = new Dictionary<string, string> { ["birthday"] = "1899-12-31" } }), "attributes.birthday");
        await AssertProblemAsync(await Http.PutAsJsonAsync($"/api/customers/{world["A.customer"]}/profile",
            new { attributes = new Dictionary<string, string> { ["birthday"] = "2001-02-29" } }), "attributes.birthday");
        await AssertProblemAsync(await Http.PostAsJsonAsync($"/api/accounts/{world["A.account"]}/role", new { role = 12345 }), "role");
        await AssertProblemAsync(await Http.PostAsJsonAsync($"/api/accounts/{world["A.account"]}/status", new { status = 99 }), "status");
        Assert.Equal(before, await SnapshotAsync());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/")).StatusCode); // the dashboard still renders
    }
}
