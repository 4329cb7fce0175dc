using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>Two real Matrix processes on one database: two silos of one cluster, as docker-compose runs them.</summary>
[Collection(RealProcesses.Name)]
public sealed class TwoProcessTests
{
    private static HttpClient Client(MatrixProcess node, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(node.Url), Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<(MatrixProcess One, MatrixProcess Two, CookieContainer Cookies)> StartAsync(string database)
    {
        // One test client makes all the traffic, from one address: far over what one customer's phone may.
        var unlimited = new Dictionary<string, string> { ["Matrix__RateLimits__LiveCodePerAddress"] = "100000", ["Matrix__RateLimits__LiveCodePerChannel"] = "100000" };
        var one = await MatrixProcess.StartAsync(database, unlimited);
        var two = await MatrixProcess.StartAsync(database, unlimited);
        var cookies = new CookieContainer();
        using var http = Client(one, cookies);
        var once = one.FirstAdminPassword ?? two.FirstAdminPassword;
        var signIn = await http.PostAsJsonAsync("/api/auth/sign-in", new { userName = "admin", password = once });
        Assert.True(signIn.IsSuccessStatusCode, await signIn.Content.ReadAsStringAsync());
        var own = await http.PostAsJsonAsync("/api/me/password", new { currentPassword = once, newPassword = "the admin's own password" });
        Assert.True(own.IsSuccessStatusCode, await own.Content.ReadAsStringAsync());
        return (one, two, cookies);
    }

    private static async Task<string> CreateAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_cookie_and_a_change_from_one_node_are_good_on_the_other()
    {
        var (one, two, cookies) = await StartAsync(await TestPostgres.CreateDatabaseAsync("twoproc"));
        await using (one)
        await using (two)
        {
            using var toOne = Client(one, cookies);
            using var toTwo = Client(two, cookies);
            var persona = await CreateAsync(toOne, "/api/personas", new { nickname = "跨节点小林" });

            // The cookie node one issued reads on node two (the Data Protection keys are in the database)...
            var personas = await toTwo.GetAsync("/api/personas");
            Assert.Equal(HttpStatusCode.OK, personas.StatusCode);
            Assert.Contains(persona, await personas.Content.ReadAsStringAsync());
            // ...and node two's console shows what node one changed.
            var page = await toTwo.GetStringAsync("/accounts");
            Assert.Contains("跨节点小林", page);
        }
    }

    [Fact]
    public async Task A_node_killed_mid_traffic_leaves_its_grains_to_the_other_within_ten_seconds_and_loses_nothing()
    {
        var database = await TestPostgres.CreateDatabaseAsync("twokill");
        var (one, two, cookies) = await StartAsync(database);
        await using (one)
        await using (two)
        {
            using var toOne = Client(one, cookies);
            using var toTwo = Client(two, cookies);
            var persona = await CreateAsync(toOne, "/api/personas", new { nickname = "小林" });
            var accounts = new List<string>();
            for (var i = 0; i < 3; i++)
                accounts.Add(await CreateAsync(toOne, "/api/accounts", new
                {
                    personaId = persona, role = "Traffic", status = "Active",
                    settings = new { weChatId = $"wx_kill_{i}", kind = "PersonalWeChat", capacity = new { hardCap = 5000, softCap = 3000, reserve = 0, dailyBudget = (int?)null } },
                }));
            var channel = await CreateAsync(toOne, "/api/channels", new { id = "door", channel = new { name = "门店", personaId = persona, state = "door" } });
            var plan = await CreateAsync(toOne, "/api/plans", new { name = "回访", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 1 } });
            // The channel's and the plan's grains come alive on node one.
            Assert.Equal(HttpStatusCode.OK, (await toOne.GetAsync($"/c/{channel}")).StatusCode);

            const int customers = 240;
            var killedAt = DateTime.MaxValue;
            var attempts = new ConcurrentBag<(DateTime Started, bool OnTwo, bool Ok)>();
            var outcomes = new ConcurrentDictionary<int, string>();
            var errors = new ConcurrentQueue<string>();
            var next = -1;
            var clock = Stopwatch.StartNew();

            async Task<bool> TryAsync(Func<HttpClient, Task<HttpResponseMessage>> send, int i)
            {
                var onTwo = i % 2 == 1 || DateTime.UtcNow >= killedAt;
                var started = DateTime.UtcNow;
                try
                {
                    using var response = await send(onTwo ? toTwo : toOne);
                    var ok = response.StatusCode == HttpStatusCode.OK;
                    if (!ok) errors.Enqueue($"{(onTwo ? "two" : "one")} {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    if (ok && response.Content.Headers.ContentType?.MediaType == "application/json")
                        outcomes[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString()!;
                    attempts.Add((started, onTwo, ok));
                    return ok;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    attempts.Add((started, onTwo, false));
                    return false;
                }
            }

            // A client retries until it is served, pausing a little between tries; it gives up after 60 s.
            async Task UntilServedAsync(Func<Task<bool>> attempt, string what)
            {
                var limit = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (!await attempt())
                {
                    Assert.True(DateTime.UtcNow < limit, $"{what} never served; last answers: {string.Join(" | ", errors.TakeLast(3))}");
                    await Task.Delay(100);
                }
            }

            var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < customers)
                {
                    var add = new { accountId = accounts[i % 3], externalId = $"wx-{i:D4}", at = DateTimeOffset.UtcNow, idempotencyKey = $"add-{i}", channel };
                    // Each customer scans and is added; a client retries until it has an answer, as a till or a webhook would.
                    await UntilServedAsync(() => TryAsync(h => h.GetAsync($"/c/{channel}"), i), $"scan {i}");
                    await UntilServedAsync(() => TryAsync(h => h.PostAsJsonAsync("/api/events/friend-added", add), i), $"add {i}");
                    if (i == customers / 3)
                    {
                        killedAt = DateTime.UtcNow;
                        one.Kill();
                    }
                }
            })).ToList();
            await Task.WhenAll(workers);
            Assert.NotEqual(DateTime.MaxValue, killedAt);

            // Node two served everything asked of it within 10 s of the kill: no request it got after that failed.
            var failuresOnTwo = attempts.Where(a => a.OnTwo && !a.Ok && a.Started >= killedAt).Select(a => a.Started).ToList();
            if (failuresOnTwo.Count > 0) Assert.True(failuresOnTwo.Max() - killedAt < TimeSpan.FromSeconds(10), $"node two failed {failuresOnTwo.Max() - killedAt} after the kill");
            Assert.Contains(attempts, a => a.OnTwo && a.Ok && a.Started >= killedAt);

            // Nothing accepted was lost or doubled: every customer a friend once, counted once, its follow-up set once.
            Assert.Equal(customers, outcomes.Count);
            Assert.All(outcomes.Values, o => Assert.Contains(o, new[] { "added", "duplicate" }));
            await using var db = new NpgsqlConnection(database);
            await db.OpenAsync();
            async Task<long> CountAsync(string sql)
            {
                await using var cmd = new NpgsqlCommand(sql, db);
                return Convert.ToInt64(await cmd.ExecuteScalarAsync());
            }
            Assert.Equal(customers, await CountAsync("select count(*) from account_friends where removed_at is null"));
            Assert.Equal(customers, await CountAsync("select count(distinct external_id) from account_friends where removed_at is null"));
            Assert.Equal(customers, await CountAsync("select sum(friends) from account_ledger"));
            Assert.Equal(0, await CountAsync("select count(*) from friend_events where outcome = 'added' and followed_up_at is null"));
            Assert.Equal(customers, (await Reminders.ListAsync(database, "plan:" + plan)).Count);
        }
    }

    [Fact]
    public async Task Referral_adds_and_group_code_scans_split_across_two_nodes_count_exactly()
    {
        var (one, two, cookies) = await StartAsync(await TestPostgres.CreateDatabaseAsync("twoprocgrowth"));
        await using (one)
        await using (two)
        {
            using var toOne = Client(one, cookies);
            using var toTwo = Client(two, cookies);
            var persona = await CreateAsync(toOne, "/api/personas", new { nickname = "小林" });
            var accounts = new List<string>();
            foreach (var id in new[] { "wx_grow_a", "wx_grow_b" })
                accounts.Add(await CreateAsync(toOne, "/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = id, kind = "PersonalWeChat" } }));
            Assert.True((await toOne.PostAsJsonAsync("/api/channels", new { id = "invite", channel = new { name = "老带新", personaId = persona, state = "invite" } })).IsSuccessStatusCode);
            var campaign = await CreateAsync(toOne, "/api/referrals", new { name = "老带新", channelId = "invite", startsAt = DateTimeOffset.UtcNow.AddDays(-1),
                endsAt = DateTimeOffset.UtcNow.AddDays(7), levels = new[] { new { friends = 3, reward = "清洗券" }, new { friends = 10, reward = "镜片八折" } } });
            var states = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                Assert.True((await toOne.PostAsJsonAsync("/api/events/friend-added", new { accountId = accounts[0], externalId = $"inv{i:00}", at = DateTimeOffset.UtcNow, idempotencyKey = $"inv{i}" })).IsSuccessStatusCode);
                var poster = await (await toOne.PostAsJsonAsync($"/api/referrals/{campaign}/posters", new { inviterId = $"inv{i:00}" })).Content.ReadFromJsonAsync<JsonElement>();
                states.Add(poster.GetProperty("state").GetString()!);
            }
            var code = await CreateAsync(toOne, "/api/group-codes", new { name = "福利群", personaId = persona });
            foreach (var name in new[] { "1 群", "2 群" })
            {
                var group = (await (await toOne.PostAsJsonAsync($"/api/group-codes/{code}/groups", new { name, kind = "WeChat", capacity = 200, softFull = 150 }))
                    .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("groups").EnumerateArray().Last().GetProperty("id").GetString();
                Assert.True((await toOne.PutAsJsonAsync($"/api/group-codes/{code}/groups/{group}/image", new { imageUrl = $"https://img.example/{group}.png" })).IsSuccessStatusCode);
            }

            // Each invitee added on account A through node one and on account B through node two, at once; a phone's
            // scans on either node (no cookie: each scan a new phone).
            var work = new List<Func<Task<string?>>>();
            for (var i = 0; i < 200; i++)
            {
                var (state, invitee) = (states[i / 10], $"guest{i:000}");
                work.Add(async () => Ok(await toOne.PostAsJsonAsync("/api/events/friend-added", new { accountId = accounts[0], externalId = invitee, at = DateTimeOffset.UtcNow, idempotencyKey = $"a-{invitee}", referral = state })));
                work.Add(async () => Ok(await toTwo.PostAsJsonAsync("/api/events/friend-added", new { accountId = accounts[1], externalId = invitee, at = DateTimeOffset.UtcNow, idempotencyKey = $"b-{invitee}", referral = state })));
                foreach (var node in new[] { one, two })
                    work.Add(async () =>
                    {
                        using var phone = new HttpClient { BaseAddress = new Uri(node.Url) };
                        var page = await phone.GetStringAsync($"/g/{code}");
                        return System.Text.RegularExpressions.Regex.Match(page, "data-group=\"([^\"]+)\"") is { Success: true } m ? m.Groups[1].Value
                            : page.Contains("data-state=\"full\"") ? "full" : "?";
                    });
            }
            var shown = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (step, _) =>
            {
                if (await step() is { } result) shown.Add(result);
            });

            var leaders = (await toTwo.GetFromJsonAsync<JsonElement>($"/api/referrals/{campaign}/leaderboard")).EnumerateArray().ToList();
            Assert.Equal(20, leaders.Count);
            Assert.All(leaders, l => Assert.Equal((10, 10), (l.GetProperty("credited").GetInt32(), l.GetProperty("refused").GetInt32())));
            Assert.Equal(40, (await toOne.GetFromJsonAsync<JsonElement>($"/api/referrals/{campaign}/rewards")).GetArrayLength());

            var groups = (await toTwo.GetFromJsonAsync<JsonElement>($"/api/group-codes/{code}")).GetProperty("groups").EnumerateArray().ToList();
            Assert.All(groups, g => Assert.Equal((150, 150L), (g.GetProperty("members").GetInt32(), g.GetProperty("scans").GetInt64())));
            // 400 scans for 2 × 150 places: each place taken once, a hundred phones told politely that the groups are full.
            Assert.Equal(400, shown.Count);
            Assert.DoesNotContain("?", shown);
            Assert.All(groups, g => Assert.Equal(150, shown.Count(s => s == g.GetProperty("id").GetString())));
            Assert.Equal(100, shown.Count(s => s == "full"));
        }

        static string? Ok(HttpResponseMessage response)
        {
            Assert.True(response.IsSuccessStatusCode, response.Content.ReadAsStringAsync().Result);
            return null;
        }
    }
}
