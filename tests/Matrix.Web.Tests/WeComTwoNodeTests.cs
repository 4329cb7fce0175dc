using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Storage.Embedded;
using Matrix.Testing;
using Matrix.WeCom.Fake;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// WeCom's work on two real Matrix processes sharing one PostgreSQL of their own, against the fake WeCom server:
/// both nodes asked for a full sync at once count each of 300 customers whose adds were lost once; then the database
/// stops (perhaps in the middle of the second node's run, which resumes) while WeCom sends adds and the nodes answer
/// 503 until WeCom gives up on them; when the database is back, the next sync finds the lost adds and nothing is
/// counted twice.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class WeComTwoNodeTests
{
    private const string CorpId = "ww_two_nodes", AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    [Fact]
    public async Task Two_nodes_sync_a_corp_once_and_the_adds_lost_while_the_database_was_down_are_found_after()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"matrix-wecom-two-{Guid.NewGuid():N}");
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = folder, DeleteOnStop = true });
        var settings = new Dictionary<string, string>
        {
            ["Matrix__WeComGroupSweep"] = "00:00:01",
            ["Matrix__WeComNightlySync"] = TimeOnly.FromDateTime(DateTime.UtcNow.AddHours(8 + 12)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var nodes = await NodePair.StartAsync(postgres.ConnectionString, settings);
        var (one, two, toOne, toTwo) = (nodes.One, nodes.Two, nodes.ToOne, nodes.ToTwo);

        await using var wecom = await new FakeWeComServer(TimeProvider.System).StartAsync();
        wecom.AddCorp(new FakeCorp(CorpId, "1000002", "app-secret", "QDG6eK", AesKey) { CallbackUrl = $"{one.Url}/wecom/callback/{CorpId}" });
        Assert.True((await toOne.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "1000002", secret = "app-secret", token = "QDG6eK", aesKey = AesKey, apiBase = wecom.Url }))
            .IsSuccessStatusCode);
        Assert.True((await toOne.PutAsJsonAsync("/api/tags/来源", new { tags = new[] { "门店" } })).IsSuccessStatusCode);
        var persona = await IdAsync(await toOne.PostAsJsonAsync("/api/personas", new { nickname = "两节点" }));
        var account = await IdAsync(await toOne.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active",
            settings = new { weChatId = "wc_two", kind = "WeCom" } }));
        for (var i = 0; i < 300; i++) wecom.SeedCustomer(CorpId, "wc_two", $"wm2N{i:D3}", DateTimeOffset.UtcNow.AddDays(-10).AddMinutes(i));

        // Both nodes asked at once: each customer is counted once.
        var asked = await Task.WhenAll(toOne.PostAsync("/api/wecom/sync", null), toTwo.PostAsync("/api/wecom/sync", null));
        Assert.All(asked, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        await UntilAsync(async () => await QuietAsync(toTwo), "the syncs asked for did not finish");
        Assert.Equal(300, (await SyncedAsync(toTwo, "wc_two"))!.Value.GetProperty("seen").GetInt32());
        Assert.Equal(300, await FriendsAsync(postgres.ConnectionString, account));
        Assert.Equal(300, await LedgerAsync(postgres.ConnectionString, account));

        // A tag given now is marked through the outbox.
        Assert.True((await toOne.PostAsJsonAsync("/api/customers/wm2N000/tags", new { add = new[] { "门店" } })).IsSuccessStatusCode);
        await UntilAsync(() => Task.FromResult(wecom.TagsOf(CorpId, "wc_two", "wm2N000").SequenceEqual(["门店"])), "the tag was not marked");

        // The database stops; WeCom's add callbacks get 503 until WeCom gives up on them (three tries each).
        await postgres.StopAsync();
        for (var i = 0; i < 5; i++) Assert.False(await wecom.AddCustomerAsync(CorpId, "wc_two", $"wm2Lost{i}", null));
        await postgres.StartAgainAsync();
        await one.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        await two.WaitHealthyAsync(TimeSpan.FromSeconds(30));

        // Back: the next sync, asked on the other node, finds the five; nothing is counted twice.
        // A run the outage stopped midway (the second node's request) resumes and ends first.
        await UntilAsync(async () => await QuietAsync(toTwo), "a run stopped by the outage did not resume and end");
        var before = (await SyncedAsync(toTwo, "wc_two"))!.Value.GetProperty("lastSyncedAt").GetDateTimeOffset();
        Assert.Equal(HttpStatusCode.Accepted, (await toTwo.PostAsync("/api/wecom/sync", null)).StatusCode);
        await UntilAsync(async () => await SyncedAsync(toOne, "wc_two") is { } a && a.GetProperty("lastSyncedAt").GetDateTimeOffset() > before, "the sync after the outage did not finish");
        var last = (await SyncedAsync(toOne, "wc_two"))!.Value;
        Assert.Equal((305, 5, 0), (last.GetProperty("seen").GetInt32(), last.GetProperty("added").GetInt32(), last.GetProperty("removed").GetInt32()));
        Assert.Equal(305, await FriendsAsync(postgres.ConnectionString, account));
        Assert.Equal(305, await LedgerAsync(postgres.ConnectionString, account));
        await one.WaitHealthyAsync(TimeSpan.FromSeconds(5)); // neither process exited
        await two.WaitHealthyAsync(TimeSpan.FromSeconds(5));
    }

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    // Every sync asked for has run and none is running (a node's request may come in while the other's run goes).
    private static async Task<bool> QuietAsync(HttpClient http)
    {
        var status = await http.GetFromJsonAsync<JsonElement>("/api/wecom/sync");
        return status.GetProperty("corps").EnumerateArray().All(c => c.GetProperty("requestedAt").ValueKind == JsonValueKind.Null
                   && c.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String && c.GetProperty("lastSyncedAt").GetDateTimeOffset() >= c.GetProperty("startedAt").GetDateTimeOffset())
               && status.GetProperty("accounts").EnumerateArray().Any()
               && status.GetProperty("accounts").EnumerateArray().All(a => !a.GetProperty("running").GetBoolean() && a.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String
                   && a.GetProperty("nextRetryAt").ValueKind == JsonValueKind.Null); // a run due, not begun, has its retry time set
    }

    // The account's sync row once a run has finished (null before).
    private static async Task<JsonElement?> SyncedAsync(HttpClient http, string userId)
    {
        var status = await http.GetFromJsonAsync<JsonElement>("/api/wecom/sync");
        return status.GetProperty("accounts").EnumerateArray().FirstOrDefault(a => a.GetProperty("userId").GetString() == userId) is { ValueKind: JsonValueKind.Object } row
               && !row.GetProperty("running").GetBoolean() && row.GetProperty("lastSyncedAt").ValueKind == JsonValueKind.String ? row : null;
    }

    private static async Task<long> FriendsAsync(string connectionString, string account) =>
        await ScalarAsync(connectionString, "select count(*) from account_friends where account_id = $1 and removed_at is null", account);

    private static async Task<long> LedgerAsync(string connectionString, string account) =>
        await ScalarAsync(connectionString, "select friends from account_ledger where account_id = $1", account);

    private static async Task<long> ScalarAsync(string connectionString, string sql, string account)
    {
        // Unpooled: a pooled connection would not have outlived the database's restart.
        await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, db);
        cmd.Parameters.Add(new() { Value = account });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await ConditionAsync(condition))
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    // A node answering 503 while it reconnects is "not yet", not a failure.
    private static async Task<bool> ConditionAsync(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
