using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Domain.Access;
using Matrix.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// Two teams, each with a persona, a channel, an account held by its operator, a customer with a purchase, a
/// welcome task, a Moments post and a template; set up by an admin over HTTP. Tests ask, as one team, for the
/// other's things.
/// </summary>
public sealed record TwoTeams(Dictionary<string, string> Ids)
{
    public static readonly string[] Teams = ["north", "south"];

    public string this[string key] => Ids[key];

    /// <summary>"{B.account}" and the like, filled in.</summary>
    public string Fill(string text) => Ids.Aggregate(text, (t, kv) => t.Replace("{" + kv.Key + "}", kv.Value));

    public static async Task<TwoTeams> SeedAsync(MatrixApp app, HttpClient admin)
    {
        var ids = new Dictionary<string, string>();
        foreach (var (team, x) in new[] { ("north", "A"), ("south", "B") })
        {
            await app.SignedInAsync($"lead-{team}", OperatorRole.Lead, team);
            await app.SignedInAsync($"op-{team}", OperatorRole.Operator, team);
            ids[$"{x}.persona"] = await CreateAsync(admin, "/api/personas", new { nickname = $"小林-{team}", team });
            ids[$"{x}.account"] = await CreateAsync(admin, "/api/accounts", new
            {
                personaId = ids[$"{x}.persona"], role = "Sales", status = "Active",
                settings = new { weChatId = $"wx_{team}", kind = "PersonalWeChat", @operator = $"op-{team}", team },
            });
            ids[$"{x}.channel"] = $"cards-{team}";
            await CreateAsync(admin, "/api/channels", new { id = ids[$"{x}.channel"], channel = new { name = "桌卡", state = $"s-{team}", personaId = ids[$"{x}.persona"], welcomeScript = "欢迎！" } });
            ids[$"{x}.customer"] = $"wx-cust-{team}";
            Ok(await admin.PostAsJsonAsync("/api/events/friend-added",
                new { accountId = ids[$"{x}.account"], externalId = ids[$"{x}.customer"], at = DateTimeOffset.UtcNow, idempotencyKey = $"add-{team}", channel = ids[$"{x}.channel"] }));
            ids[$"{x}.order"] = $"order-{team}";
            Ok(await admin.PostAsJsonAsync("/api/events/purchase", new { customerId = ids[$"{x}.customer"], orderId = ids[$"{x}.order"], amount = 100m, at = DateTimeOffset.UtcNow }));
            var tasks = await admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{ids[$"{x}.account"]}/tasks");
            ids[$"{x}.task"] = tasks[0].GetProperty("id").GetString()!;
            ids[$"{x}.post"] = await CreateAsync(admin, $"/api/personas/{ids[$"{x}.persona"]}/posts",
                new { text = "护眼小知识", category = "Expertise", plannedAt = new DateTimeOffset(2030, 1, 7, 10, 0, 0, TimeSpan.FromHours(8)) });
            ids[$"{x}.template"] = await CreateAsync(admin, $"/api/personas/{ids[$"{x}.persona"]}/templates", new { name = "周一", text = "早安", category = "Life" });
            ids[$"{x}.segment"] = await CreateAsync(admin, "/api/segments", new { name = "买过的客户", team, predicate = new { field = "purchases", min = 1 } });
            // Far ahead: nothing is sent while a test compares snapshots.
            ids[$"{x}.campaign"] = await CreateAsync(admin, "/api/campaigns", new { name = "会员日", segmentId = ids[$"{x}.segment"], template = "会员日到了",
                schedule = new { repeat = "Once", at = DateTimeOffset.UtcNow.AddDays(300) } });
            ids[$"{x}.referral"] = await CreateAsync(admin, "/api/referrals", new { name = "老带新", channelId = ids[$"{x}.channel"], team,
                startsAt = DateTimeOffset.UtcNow.AddDays(-1), endsAt = DateTimeOffset.UtcNow.AddDays(30), levels = new[] { new { friends = 3, reward = "清洗券" } } });
            var poster = await admin.PostAsJsonAsync($"/api/referrals/{ids[$"{x}.referral"]}/posters", new { inviterId = ids[$"{x}.customer"] });
            Ok(poster);
            ids[$"{x}.groupCode"] = await CreateAsync(admin, "/api/group-codes", new { name = "福利群", personaId = ids[$"{x}.persona"] });
            var group = await admin.PostAsJsonAsync($"/api/group-codes/{ids[$"{x}.groupCode"]}/groups", new { name = "福利 1 群", kind = "WeChat", capacity = 200 });
            Ok(group);
            ids[$"{x}.group"] = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("groups")[0].GetProperty("id").GetString()!;
            ids[$"{x}.poster"] = (await poster.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString()!;
        }
        ids["plan"] = await CreateAsync(admin, "/api/plans", new { name = "回访", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 3 } });
        var key = await admin.PostAsJsonAsync("/api/api-keys", new { name = "till", endpoints = new[] { "POST /api/events/purchase" }, accounts = new[] { ids["A.account"] } });
        ids["key"] = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetProperty("id").GetString()!;
        await app.Services.RemindersIdleAsync(); // the plan's rollout has run: the world stands still while tests compare snapshots
        return new TwoTeams(ids);
    }

    /// <summary>Every route endpoint's key ("POST /api/events/purchase"), as API keys name them.</summary>
    public static IReadOnlyList<string> EndpointKeys(MatrixApp app) =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is null) // files of the build: public by design
            .SelectMany(Access.AccessHosting.EndpointKeys).Distinct().Order()];

    private static async Task<string> CreateAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{path}: {await response.Content.ReadAsStringAsync()}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.TryGetProperty("id", out var id) ? id.GetString()! : json.GetProperty("key").GetProperty("id").GetString()!;
    }

    private static void Ok(HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, response.Content.ReadAsStringAsync().Result);
}
