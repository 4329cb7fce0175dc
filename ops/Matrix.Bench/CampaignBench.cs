using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Bench;

/// <summary>
/// Segments and campaigns on a chain (#16): a segment's live count over every customer (the builder's preview, cold
/// then warm), and a campaign to a segment of up to 100,000 customers (the first hundred accounts' friends): the
/// segment's first count, the audience's freeze, and every recipient's message placed as a task under the message
/// budget. The campaign's tasks and rows are removed afterwards, so a reused chain stays as it was built.
/// </summary>
internal static class CampaignBench
{
    public static async Task RunAsync(MatrixProcess node, ChainShape shape, NpgsqlDataSource db, int size, Report report)
    {
        using var http = ChainShape.Client(node, await ChainShape.SignInAsync(node, "admin"));
        // Counted in the database until the node holds every customer's facts (loaded after its start), in memory after.
        var probe = new { field = "class", @in = new[] { "A" } };
        var first = await PreviewAsync(http, probe);
        while ((await PreviewAsync(http, probe)).CountedIn != "memory") await Task.Delay(500);
        report.Add($"{size:N0} customers: the node's facts loaded for live counts (after the node's start)", $"{node.SinceStart.TotalSeconds:N1} s",
            $"a count meanwhile, in the database: {first.Ms:N0} ms", "");
        foreach (var (name, predicate) in new (string, object)[]
        {
            ("a tag (近视)", new { field = "tags", @in = new[] { "近视" } }),
            ("a tag and not a channel", new { all = new object[] { new { field = "tags", @in = new[] { "近视", "太阳镜" } }, new { not = new { field = "channel", @in = new[] { shape.Teams[0].ChannelId } } } } }),
        })
        {
            var cold = await PreviewAsync(http, predicate);
            var warm = new List<double>();
            for (var i = 0; i < 5; i++) warm.Add((await PreviewAsync(http, predicate)).Ms);
            report.Add($"{size:N0} customers: a segment's live count, {name} ({cold.Count:N0} customers)", $"{cold.Ms:N0} ms cold", $"{warm.Order().ElementAt(2):N0} ms warm", "");
        }

        var accounts = shape.AccountIds.Take(100).ToArray();
        var watch = Stopwatch.StartNew();
        var segment = await IdAsync(await http.PostAsJsonAsync("/api/segments", new { name = "前一百个账号的客户", predicate = new { field = "account", @in = accounts } }));
        JsonElement view;
        while ((view = await http.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("counting").GetBoolean())
            await Task.Delay(100);
        var members = view.GetProperty("members").GetInt32();
        report.Add($"{size:N0} customers: a new segment's first count ({members:N0} members)", $"{watch.Elapsed.TotalSeconds:N1} s", "", "");

        watch.Restart();
        var campaign = await IdAsync(await http.PostAsJsonAsync("/api/campaigns", new { name = "会员日", segmentId = segment, template = "{nickname}，会员日到了", schedule = new { repeat = "Once" } }));
        TimeSpan? frozen = null;
        while (true)
        {
            view = await http.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}");
            if (frozen is null && view.GetProperty("recipients").GetInt32() > 0) frozen = watch.Elapsed;
            if (view.GetProperty("status").GetString() == "done") break;
            await Task.Delay(200);
        }
        var placed = watch.Elapsed;
        var (_, peak) = node.ResidentMemory();
        report.Add($"{size:N0} customers: a campaign to {members:N0}: the audience frozen / every message placed as a task",
            $"{frozen?.TotalSeconds:N1} s / {placed.TotalSeconds:N1} s", $"{members / placed.TotalSeconds:N0} recipients a second; node peak {peak / (1 << 20):N0} MiB", "");

        await using var clean = db.CreateCommand("""
            delete from tasks where origin like 'campaign:%';
            delete from campaign_recipients; delete from campaign_occurrences; delete from campaigns;
            """);
        clean.CommandTimeout = 0;
        await clean.ExecuteNonQueryAsync();
        await http.DeleteAsync($"/api/segments/{segment}");
    }

    private static async Task<(double Ms, int Count, string CountedIn)> PreviewAsync(HttpClient http, object predicate)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/api/segments/preview", new { predicate });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var ms = watch.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"preview: {(int)response.StatusCode} {body}");
        return (ms, body.GetProperty("count").GetInt32(), body.GetProperty("countedIn").GetString()!);
    }

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }
}
