using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Campaigns;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>A campaign's placement cut short by a killed node, finished by the node started in its place: one message each.</summary>
[Collection(RealProcesses.Name)]
public sealed class CampaignRestartTests
{
    private const int Customers = 3_000;

    [Fact]
    public async Task A_campaign_interrupted_by_a_killed_node_finishes_after_the_restart_with_one_message_per_recipient()
    {
        var database = await TestPostgres.CreateDatabaseAsync("campaignkill");
        var node = await MatrixProcess.StartAsync(database);
        var holder = new NpgsqlConnection(database + ";Pooling=false");
        await holder.OpenAsync();
        var cookies = new CookieContainer();
        HttpClient Client() => RealProcess.Client(node, cookies);
        try
        {
            string campaign;
            using (var http = Client())
            {
                await RealProcess.SignInFirstAdminAsync(http, node);
                var persona = await RealProcess.IdAsync(await http.PostAsJsonAsync("/api/personas", new { nickname = "小林" }));
                var accounts = new List<string>();
                for (var i = 0; i < 2; i++)
                    accounts.Add(await RealProcess.IdAsync(await http.PostAsJsonAsync("/api/accounts", new
                    {
                        personaId = persona, role = "Sales", status = "Active",
                        settings = new { weChatId = $"wx_kill_{i}", kind = "PersonalWeChat", capacity = new { hardCap = 5000, softCap = 3000, reserve = 0, dailyTasks = (int?)null } },
                    })));
                Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/channels", new { id = "poster", channel = new { name = "海报", state = "s-poster", personaId = persona } })).StatusCode);
                await Parallel.ForEachAsync(Enumerable.Range(0, Customers), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                    Assert.True((await http.PostAsJsonAsync("/api/events/friend-added", new { accountId = accounts[i % 2], externalId = $"kc{i:D4}", at = DateTimeOffset.UtcNow, idempotencyKey = $"kc{i}", channel = "poster" })).IsSuccessStatusCode));
                var segment = await RealProcess.IdAsync(await http.PostAsJsonAsync("/api/segments", new { name = "海报", predicate = new { field = "channel", @in = new[] { "poster" } } }));
                await UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("members").GetInt32() == Customers, "the segment never held every customer");
                // The third chunk (recipients by id: kc2000 on) waits on a customer's budget lock this test holds.
                await using (var hold = new NpgsqlCommand($"select pg_advisory_lock({TaskStore.BudgetLock}, hashtext('kc2500'))", holder))
                    await hold.ExecuteNonQueryAsync();
                campaign = await RealProcess.IdAsync(await http.PostAsJsonAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "会员日到了", schedule = new { repeat = "Once" } }));
            }
            // Killed while the messages are being placed: two chunks placed, the third held in its transaction.
            await UntilAsync(async () => await RealProcess.ScalarAsync(database, $"select count(*) from campaign_recipients where campaign_id = '{campaign}' and status <> 'pending'") >= 2 * CampaignGrain.Chunk
                    && await RealProcess.ScalarAsync(database, "select count(*) from pg_locks where locktype = 'advisory' and not granted") > 0,
                "the placement never reached the third chunk");
            node.Kill();
            // Released (a pooled connection would keep a session's lock): the chunk's transaction died with the node, nothing of it stands.
            await using (var release = new NpgsqlCommand("select pg_advisory_unlock_all()", holder))
                await release.ExecuteNonQueryAsync();
            Assert.Equal(2 * CampaignGrain.Chunk, await RealProcess.ScalarAsync(database, $"select count(*) from campaign_recipients where campaign_id = '{campaign}' and status <> 'pending'"));
            Assert.Equal(2 * CampaignGrain.Chunk, await RealProcess.ScalarAsync(database, $"select count(*) from tasks where origin = 'campaign:{campaign}'"));

            await node.DisposeAsync();
            node = await MatrixProcess.StartAsync(database);
            using (var http = Client())
                await UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}")).GetProperty("status").GetString() == "done", "the campaign never finished");
            // Placed due now, or deferred past the store's quiet hours when the test runs in a Beijing evening: a task either way.
            Assert.Equal(Customers, await RealProcess.ScalarAsync(database, $"select count(*) from campaign_recipients where campaign_id = '{campaign}' and status in ('placed', 'deferred')"));
            Assert.Equal(Customers, await RealProcess.ScalarAsync(database, $"select count(*) from tasks where origin = 'campaign:{campaign}'"));
            Assert.Equal(Customers, await RealProcess.ScalarAsync(database, $"select count(distinct customer_id) from tasks where origin = 'campaign:{campaign}'"));
            Assert.Equal(1, await RealProcess.ScalarAsync(database, $"select count(*) from campaign_occurrences where campaign_id = '{campaign}'"));
        }
        finally
        {
            await holder.DisposeAsync();
            await node.DisposeAsync();
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }
}
