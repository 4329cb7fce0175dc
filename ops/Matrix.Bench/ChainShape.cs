using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;

namespace Matrix.Bench;

/// <summary>
/// The people, personas, accounts, channels and plans of a chain of a given size, made through the API of a real
/// Matrix process, as a chain's admin would (a few thousand requests at most): one team per ten accounts, each
/// team with a persona, a lead, an operator who holds the team's phones, and a live code over the team's pool.
/// The customers come after, in bulk (<see cref="ChainBulk"/>).
/// </summary>
internal sealed record ChainShape(IReadOnlyList<ChainTeam> Teams, IReadOnlyList<string> PlanIds)
{
    public const string Password = "the bench's own password";
    public const int AccountsPerTeam = 10;

    public IEnumerable<string> AccountIds => Teams.SelectMany(t => t.AccountIds);

    /// <summary>A customer added through the API (the bulk customers are numbered wx_0000000 on).</summary>
    public const string RealCustomer = "wx_real_0001";

    /// <summary>The plan every customer runs (a touch on the add's anniversary): what the bench's plan edit changes.</summary>
    public string AnniversaryPlanId => PlanIds[2];

    public static object AnniversaryPlan(int months) =>
        new { name = "入会周年回访", trigger = new { kind = "FriendAdded" }, template = $"{{nickname}}您好，认识您{months}个月啦，到店有小礼物。", delay = new { months } };

    public static async Task<ChainShape> CreateAsync(MatrixProcess node, int customers)
    {
        var admin = new CookieContainer();
        using var http = Client(node, admin);
        var once = node.FirstAdminPassword ?? throw new InvalidOperationException("a fresh database prints the first admin's password");
        await SendAsync(http, "/api/auth/sign-in", new { userName = "admin", password = once });
        await SendAsync(http, "/api/me/password", new { currentPassword = once, newPassword = Password });

        foreach (var (dimension, tags) in new[] { ("来源", new[] { "到店", "电商" }), ("需求", new[] { "近视", "隐形眼镜", "太阳镜", "护眼" }) })
        {
            var put = await http.PutAsJsonAsync($"/api/tags/{Uri.EscapeDataString(dimension)}", new { tags });
            if (!put.IsSuccessStatusCode) throw new InvalidOperationException($"PUT tags: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }
        var accounts = Math.Max(1, customers / 1_000);
        var teams = (accounts + AccountsPerTeam - 1) / AccountsPerTeam;
        var made = new ChainTeam[teams];
        await Parallel.ForAsync(0, teams, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (t, _) =>
        {
            var team = $"门店{t + 1:D3}";
            var lead = $"lead{t + 1:D3}";
            var holder = $"op{t + 1:D3}";
            await SendAsync(http, "/api/operators", new { userName = lead, role = "Lead", password = Password, team });
            await SendAsync(http, "/api/operators", new { userName = holder, role = "Operator", password = Password, team });
            var persona = await CreateAsync(http, "/api/personas", new { nickname = $"店长{t + 1:D3}", team });
            var ids = new List<string>();
            for (var a = t * AccountsPerTeam; a < Math.Min(accounts, (t + 1) * AccountsPerTeam); a++)
                ids.Add(await CreateAsync(http, "/api/accounts", new
                {
                    personaId = persona,
                    role = (a % AccountsPerTeam) switch { < 3 => "Traffic", < 7 => "Sales", < 9 => "Service", _ => "Trainer" },
                    status = "Active",
                    settings = new { weChatId = $"wx_store_{a:D4}", kind = "PersonalWeChat", @operator = holder, team,
                        capacity = new { hardCap = 5000, softCap = 3000, reserve = 0, dailyBudget = (int?)null } },
                }));
            var channel = await CreateAsync(http, "/api/channels", new { id = $"door-{t + 1:D3}", channel = new { name = $"门店{t + 1:D3}桌卡", personaId = persona, state = $"door{t + 1:D3}", tags = new[] { "到店" } } });
            made[t] = new ChainTeam(team, lead, holder, persona, channel, ids);
        });
        var plans = new List<string>
        {
            await CreateAsync(http, "/api/plans", new { name = "新好友三日问候", trigger = new { kind = "FriendAdded" }, template = "{nickname}您好，我是{persona_name}，有问题随时找我。", delay = new { days = 3 } }),
            await CreateAsync(http, "/api/plans", new { name = "镜片复查提醒", trigger = new { kind = "Purchase", category = "lens" }, template = "{nickname}您好，欢迎回店免费复查视力。", delay = new { months = 6 } }),
            await CreateAsync(http, "/api/plans", AnniversaryPlan(months: 12)),
        };
        // One customer added for real, so that the bulk rows of every customer's plan reminder can be checked
        // against the reminder Orleans registers.
        await SendAsync(http, "/api/events/friend-added", new { accountId = made[0].AccountIds[0], externalId = RealCustomer, at = DateTimeOffset.UtcNow, idempotencyKey = "bench:real" });
        return new ChainShape(made, plans);
    }

    /// <summary>The shape of a chain built before (for <c>--reuse</c>), or null when its database is not there.</summary>
    public static async Task<ChainShape?> ReadAsync(string connectionString, string database)
    {
        await using (var server = Matrix.Storage.DatabaseConnections.Create(connectionString))
        await using (var exists = server.CreateCommand("select count(*) from pg_database where datname = $1"))
        {
            exists.Parameters.AddWithValue(database);
            if ((long)(await exists.ExecuteScalarAsync())! == 0) return null;
        }
        await using var db = Matrix.Storage.DatabaseConnections.Create(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString);
        var teams = new List<ChainTeam>();
        await using (var read = db.CreateCommand("""
            select p.doc->>'team', p.id, array_agg(a.id order by a.doc->>'weChatId'),
                   (select c.id from directory c where c.kind = 'channel' and c.doc->>'personaId' = p.id limit 1)
              from directory p join directory a on a.kind = 'account' and a.doc->>'personaId' = p.id
             where p.kind = 'persona' group by p.kind, p.id order by 1
            """))
        await using (var rows = await read.ExecuteReaderAsync())
            while (await rows.ReadAsync())
            {
                var n = teams.Count + 1;
                teams.Add(new ChainTeam(rows.GetString(0), $"lead{n:D3}", $"op{n:D3}", rows.GetString(1), rows.GetString(3), rows.GetFieldValue<string[]>(2)));
            }
        var plans = new List<string>();
        foreach (var name in new[] { "新好友三日问候", "镜片复查提醒", "入会周年回访" })
        {
            await using var plan = db.CreateCommand("select id from directory where kind = 'plan' and doc->>'name' = $1");
            plan.Parameters.AddWithValue(name);
            plans.Add((string)(await plan.ExecuteScalarAsync())!);
        }
        return new ChainShape(teams, plans);
    }

    public static HttpClient Client(MatrixProcess node, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(node.Url), Timeout = TimeSpan.FromMinutes(2) };

    public static async Task<CookieContainer> SignInAsync(MatrixProcess node, string userName)
    {
        var cookies = new CookieContainer();
        using var http = Client(node, cookies);
        await SendAsync(http, "/api/auth/sign-in", new { userName, password = Password });
        return cookies;
    }

    private static async Task<string> CreateAsync(HttpClient http, string path, object body) =>
        (await (await SendAsync(http, path, body)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body);
        return response.IsSuccessStatusCode ? response
            : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

internal sealed record ChainTeam(string Name, string Lead, string Operator, string PersonaId, string ChannelId, IReadOnlyList<string> AccountIds);
