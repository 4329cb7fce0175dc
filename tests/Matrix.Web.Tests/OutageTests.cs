using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Storage.Embedded;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// The database stops for a few seconds under load (scans, friend events, console page loads) against two real
/// Matrix processes, then comes back: both processes are still running, healthy again within a second of the
/// database, they answered 503 with Retry-After meanwhile, and every add they acknowledged is there. Its own
/// PostgreSQL, so stopping it touches no other test.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class OutageTests
{
    [Fact]
    public async Task Nodes_ride_out_a_database_outage_and_lose_nothing_they_acknowledged()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"matrix-outage-{Guid.NewGuid():N}");
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = folder, DeleteOnStop = true });
        var unlimited = new Dictionary<string, string> { ["Matrix__RateLimits__LiveCodePerAddress"] = "100000", ["Matrix__RateLimits__LiveCodePerChannel"] = "100000" };
        await using var nodes = await NodePair.StartAsync(postgres.ConnectionString, unlimited);
        var (one, two, toOne, toTwo) = (nodes.One, nodes.Two, nodes.ToOne, nodes.ToTwo);
        async Task<string> CreateAsync(string path, object body)
        {
            var response = await toOne.PostAsJsonAsync(path, body);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Traffic", status = "Active",
            settings = new { weChatId = "wx_outage", kind = "PersonalWeChat", capacity = new { hardCap = 5000, softCap = 3000, reserve = 0, dailyBudget = (int?)null } } });
        var channel = await CreateAsync("/api/channels", new { id = "door", channel = new { name = "门店", personaId = persona, state = "door" } });

        var acknowledged = new ConcurrentDictionary<string, bool>();
        var unavailable = new ConcurrentBag<HttpResponseMessage>();
        var otherFailures = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var next = 0;
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var http = w % 2 == 0 ? toOne : toTwo;
            while (!stop.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                foreach (var send in new Func<Task<HttpResponseMessage>>[]
                {
                    () => http.GetAsync($"/c/{channel}"),
                    () => http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = $"wx-{i}", at = DateTimeOffset.UtcNow, idempotencyKey = $"add-{i}" }),
                    () => http.GetAsync("/accounts"),
                })
                {
                    try
                    {
                        var response = await send();
                        if (response.StatusCode == HttpStatusCode.ServiceUnavailable) unavailable.Add(response);
                        else if (response.IsSuccessStatusCode && response.RequestMessage!.RequestUri!.AbsolutePath == "/api/events/friend-added") acknowledged[$"wx-{i}"] = true;
                        else if (!response.IsSuccessStatusCode) otherFailures.Add($"{(int)response.StatusCode} {response.RequestMessage!.RequestUri!.AbsolutePath}");
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        otherFailures.Add(ex.GetType().Name);
                    }
                }
            }
        })).ToList();

        await WaitUntilAsync(() => acknowledged.Count >= 30, TimeSpan.FromSeconds(60));
        await postgres.StopAsync();
        var before = acknowledged.Count;
        await WaitUntilAsync(() => !unavailable.IsEmpty, TimeSpan.FromSeconds(30)); // the nodes answer, with 503, while it is away
        await postgres.StartAgainAsync();
        var back = DateTime.UtcNow;

        // Healthy again within a second of the database.
        using var health = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var node in new[] { one, two })
            await WaitUntilAsync(async () => (await TryStatusAsync(health, node.Url + "/health")) == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - back < TimeSpan.FromSeconds(1.5), $"healthy {DateTime.UtcNow - back} after the database came back");

        await WaitUntilAsync(() => acknowledged.Count >= before + 30, TimeSpan.FromSeconds(60)); // and serving again
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.All(unavailable, r => Assert.True(r.Headers.RetryAfter is not null, "a 503 without Retry-After"));
        Assert.Contains(unavailable, r => r.Content.Headers.ContentType?.MediaType == "application/problem+json");
        await one.WaitHealthyAsync(TimeSpan.FromSeconds(5)); // still running: neither process exited
        await two.WaitHealthyAsync(TimeSpan.FromSeconds(5));

        await using var db = new NpgsqlConnection(postgres.ConnectionString);
        await db.OpenAsync();
        await using var friends = new NpgsqlCommand("select external_id from account_friends where removed_at is null", db);
        var stored = new HashSet<string>();
        await using (var r = await friends.ExecuteReaderAsync())
            while (await r.ReadAsync()) stored.Add(r.GetString(0));
        Assert.DoesNotContain(acknowledged.Keys, k => !stored.Contains(k)); // nothing acknowledged was lost
        await using var ledger = new NpgsqlCommand("select friends from account_ledger", db);
        Assert.Equal(stored.Count, Convert.ToInt32(await ledger.ExecuteScalarAsync()));
    }

    private static async Task<HttpStatusCode?> TryStatusAsync(HttpClient http, string url)
    {
        try
        {
            return (await http.GetAsync(url)).StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var limit = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < limit, "timed out waiting");
            await Task.Delay(20);
        }
    }
}
