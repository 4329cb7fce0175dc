using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>An import's commit cut short by a node killed mid-chunk, finished by the node started in its place.</summary>
[Collection(RealProcesses.Name)]
public sealed class ImportRestartTests
{
    [Fact]
    public async Task An_import_interrupted_by_a_killed_node_finishes_after_the_restart_without_doubles()
    {
        var database = await TestPostgres.CreateDatabaseAsync("importkill");
        var node = await MatrixProcess.StartAsync(database);
        var cookies = new CookieContainer();
        HttpClient Client() => RealProcess.Client(node, cookies);
        try
        {
            string id;
            using (var http = Client())
            {
                await RealProcess.SignInFirstAdminAsync(http, node);
                var persona = await RealProcess.IdAsync(await http.PostAsJsonAsync("/api/personas", new { nickname = "小林" }));
                var account = await RealProcess.IdAsync(await http.PostAsJsonAsync("/api/accounts", new
                {
                    personaId = persona, role = "Sales", status = "Active",
                    settings = new { weChatId = "wx_restart", kind = "PersonalWeChat", capacity = new { hardCap = 5000, softCap = 3000, reserve = 0 } },
                }));
                var rows = Enumerable.Range(0, 3_000).Select(i => new string?[]
                    { $"wx_r_{i:D4}", null, null, $"客户{i}", null, null, null, $"r-o-{i}", "2025-06-01 12:00", "镜框", "100", null, null }).ToList();
                var job = await ImportTests.CheckAsync(http, ImportTests.Workbook(rows), "restart.xlsx", "skip", account);
                id = job.GetProperty("id").GetString()!;
                Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync($"/api/imports/{id}/commit", null)).StatusCode);

                // Killed while the commit is under way: some rows done, most not.
                var deadline = DateTime.UtcNow.AddMinutes(5);
                while ((await http.GetFromJsonAsync<JsonElement>($"/api/imports/{id}")).GetProperty("rowsDone").GetInt32() < 200)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the commit never started");
                    await Task.Delay(50);
                }
            }
            node.Kill();
            var doneAtKill = await RealProcess.ScalarAsync(database, $"select rows_done from import_jobs where id = '{id}'");
            Assert.InRange(doneAtKill, 200, 2_999);

            await node.DisposeAsync();
            node = await MatrixProcess.StartAsync(database);
            using (var http = Client())
            {
                var done = await ImportTests.DoneAsync(http, id);
                Assert.Equal(3_000, done.GetProperty("rowsDone").GetInt32());
                Assert.Equal(new Dictionary<string, int> { ["Created"] = 3_000 }, ImportTests.Counts(done.GetProperty("outcomes")));
                Assert.Equal(3_000, (await http.GetFromJsonAsync<JsonElement>("/api/accounts?limit=10"))[0].GetProperty("friends").GetInt32());
            }
            // Every customer once, every purchase once, every row one outcome.
            Assert.Equal(3_000, await RealProcess.ScalarAsync(database, "select count(*) from account_friends"));
            Assert.Equal(3_000, await RealProcess.ScalarAsync(database, "select count(*) from purchase_orders"));
            Assert.Equal(3_000, await RealProcess.ScalarAsync(database, $"select count(*) from import_rows where job_id = '{id}' and outcome = 'Created'"));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
