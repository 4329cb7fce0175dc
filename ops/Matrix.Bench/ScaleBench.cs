using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Storage;
using Matrix.Testing;
using Npgsql;
using Matrix.Grains;
using Matrix.Grains.Reports;

namespace Matrix.Bench;

/// <summary>
/// A chain at 10,000 / 100,000 / 1,000,000 customers (up to <c>--scale N</c>), each on a database of its own: the
/// people, personas, accounts, channels and plans made through the API of a real Matrix process
/// (<see cref="ChainShape"/>), the customers in bulk (<see cref="ChainBulk"/>). Then a fresh process serves every
/// console page and list API to an admin, a lead and an operator: the time to the last byte of each response
/// on loopback (warm, median of five), the bytes, and the process's memory after the pass.
/// </summary>
internal static class ScaleBench
{
    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        var sizes = new List<int>();
        var times = new Dictionary<(string Who, string Path), Dictionary<int, string>>();
        foreach (var size in new[] { 10_000, 100_000, 1_000_000 }.Where(s => s <= settings.ScaleCustomers))
        {
            var database = $"matrix_scale_{size}";
            var db = new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
            var watch = Stopwatch.StartNew();
            ChainShape shape;
            if (settings.Reuse && await ChainShape.ReadAsync(connectionString, database) is { } built) shape = built;
            else
            {
                await using (var admin = DatabaseConnections.Create(connectionString))
                await using (var create = admin.CreateCommand($"create database {database}"))
                    await create.ExecuteNonQueryAsync();
                await using var builder = await MatrixProcess.StartAsync(db);
                shape = await ChainShape.CreateAsync(builder, size);
                var shaped = watch.Elapsed;
                await using var data = DatabaseConnections.Create(db);
                await new ChainBulk(shape, size, DateTimeOffset.UtcNow).FillAsync(data);
                report.Add($"chain of {size:N0} customers over {shape.AccountIds.Count():N0} accounts built", $"{watch.Elapsed.TotalSeconds:N0} s",
                    $"{shaped.TotalSeconds:N0} s of it through the API", "");
                report.Add($"database size at {size:N0} customers", $"{await DatabaseSizeAsync(data, database) / (1 << 20):N0} MiB", "", "");
            }

            // The first start on a chain built by an older Matrix migrates a million rows (backfills, indexes): minutes.
            var migrating = Stopwatch.StartNew();
            await using var node = await MatrixProcess.StartAsync(db, healthyWithin: TimeSpan.FromMinutes(30));
            if (settings.Reuse) report.Add($"{size:N0} customers: the node's start on the reused chain, migrations included", $"{migrating.Elapsed.TotalSeconds:N0} s", "", "");
            await using (var data = DatabaseConnections.Create(db))
                await SnapshotsAsync(data, size, report);
            var (started, _) = node.ResidentMemory();
            var team = shape.Teams[0];
            var account = team.AccountIds[0];
            var customer = $"wx_{shape.AccountIds.Count() * 5:D7}"; // one of the first account's, in the lead's and the operator's team
            var digits = ChainBulk.PhoneOf(shape.AccountIds.Count() * 5)[..7]; // the first seven digits of that customer's phone
            foreach (var (who, userName) in new[] { ("admin", "admin"), ("lead", team.Lead), ("operator", team.Operator) })
            {
                using var http = ChainShape.Client(node, await ChainShape.SignInAsync(node, userName));
                foreach (var path in Paths(who, account, customer, team.PersonaId, digits).Where(p => settings.Paths is not { } only || p.StartsWith(only, StringComparison.Ordinal)))
                {
                    var (ms, bytes, status) = await MedianAsync(http, path);
                    var key = (who, Shown(path, account, customer, team.PersonaId).Replace(digits, "{phone digits}"));
                    if (!times.TryGetValue(key, out var row)) times[key] = row = [];
                    row[size] = status == HttpStatusCode.OK ? $"{ms:N0} ms ({bytes / 1024.0:N0} KiB)" : $"HTTP {(int)status}";
                    Console.Error.WriteLine($"{size:N0} customers, {who}: {key.Item2}: {row[size]}");
                }
            }
            var (after, peak) = node.ResidentMemory();
            report.Add($"{size:N0} customers: node memory after the page pass (started at {started / (1 << 20):N0} MiB)", $"{after / (1 << 20):N0} MiB", $"peak {peak / (1 << 20):N0} MiB", "");
            if (settings.Paths is null || settings.Campaigns)
                await using (var data = DatabaseConnections.Create(db))
                    await CampaignBench.RunAsync(node, shape, data, size, report);
            if (settings.Paths is null)
                await using (var data = DatabaseConnections.Create(db))
                    await PlanEditAsync(node, shape, data, size, report);
            sizes.Add(size);
        }
        report.AddSection($"""
            #### Pages and list APIs by the chain's size (time to the last byte on loopback, warm, median of five; the response's size)

            | request | reader | {string.Join(" | ", sizes.Select(s => $"{s:N0}"))} |
            | --- | --- |{string.Concat(sizes.Select(_ => " --- |"))}
            {string.Join("\n", times.Select(t => $"| `{t.Key.Path}` | {t.Key.Who} | {string.Join(" | ", sizes.Select(s => t.Value.GetValueOrDefault(s, "")))} |"))}
            """);
    }

    /// <summary>
    /// The nightly snapshot job on a chain whose events no snapshot took yet (a year of them: the first run after the
    /// log's migration, or a fresh chain): every ended day written, oldest first, as a node's schedule would.
    /// </summary>
    private static async Task SnapshotsAsync(NpgsqlDataSource db, int size, Report report)
    {
        var clock = new StoreClock(TimeProvider.System, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var snapshots = new RelationshipSnapshots(db, clock, new OutcomeDays(db, clock));
        var watch = Stopwatch.StartNew();
        var days = await snapshots.WriteDueAsync();
        if (days > 0)
            report.Add($"{size:N0} customers: a year of relationship snapshots ({days} days) and final add and touch outcomes written", $"{watch.Elapsed.TotalSeconds:N1} s",
                $"{watch.Elapsed.TotalMilliseconds / days:N0} ms a day, the nightly job's cost", "");

        // A chain written by COPY in minutes has never been vacuumed; a database that grew over a year has been, by
        // autovacuum, so its index-only scans skip the heap. Measure that database, not a freshly loaded one.
        await using var vacuum = db.CreateCommand("vacuum analyze");
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync();
    }

    // Ids differ from one chain to the next: the table names them by what they are.
    private static string Shown(string path, string account, string customer, string persona) =>
        path.Replace(account, "{account}").Replace(customer, "{customer}").Replace(persona, "{persona}");

    /// <summary>
    /// An admin edits the plan every current customer runs; the rollout re-places each one's touch. Measured: its
    /// duration (from the save to the rollout's end, as its state records), the node's peak memory meanwhile, and
    /// what an operator's Today costs while it runs (other work must not starve).
    /// </summary>
    private static async Task PlanEditAsync(MatrixProcess node, ChainShape shape, NpgsqlDataSource db, int size, Report report)
    {
        using var admin = ChainShape.Client(node, await ChainShape.SignInAsync(node, "admin"));
        using var holder = ChainShape.Client(node, await ChainShape.SignInAsync(node, shape.Teams[0].Operator));
        var watch = Stopwatch.StartNew();
        // 12 months becomes 13 (and back, on a chain reused by --reuse): every customer's touch moves.
        var months = (await admin.GetFromJsonAsync<JsonElement>($"/api/plans/{shape.AnniversaryPlanId}")).GetProperty("plan").GetProperty("delay").GetProperty("months").GetInt32() == 12 ? 13 : 12;
        var put = await admin.PutAsJsonAsync($"/api/plans/{shape.AnniversaryPlanId}", ChainShape.AnniversaryPlan(months));
        if (!put.IsSuccessStatusCode) throw new InvalidOperationException($"PUT plan: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        long peak = 0;
        var today = new List<double>();
        (string Step, int Handled, int Total) progress;
        while (true)
        {
            progress = await RolloutAsync(db, shape.AnniversaryPlanId);
            peak = Math.Max(peak, node.ResidentMemory().Now);
            if (progress.Step == "Done") break;
            if (watch.Elapsed > TimeSpan.FromMinutes(40)) throw new TimeoutException($"the plan edit's rollout is still at {progress}");
            var request = Stopwatch.StartNew();
            (await holder.GetAsync("/today")).EnsureSuccessStatusCode();
            today.Add(request.Elapsed.TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var took = watch.Elapsed;
        var reached = await CountAsync(db, "select count(*) from orleansreminderstable where remindername = $1", "plan:" + shape.AnniversaryPlanId);
        report.Add($"{size:N0} customers: a plan edit reaching every customer running it ({reached:N0} reminders after it)", $"{took.TotalSeconds:N0} s",
            $"{reached / took.TotalSeconds:N0} customers / s", "");
        report.Add($"{size:N0} customers: node memory during the plan edit", $"peak {peak / (1 << 20):N0} MiB", "", "");
        report.Add($"{size:N0} customers: an operator's Today while the plan edit runs (median of {today.Count})",
            today.Count == 0 ? "(over before the first read)" : $"{today.Order().ElementAt(today.Count / 2):N0} ms", "", "");
    }

    private static async Task<(string Step, int Handled, int Total)> RolloutAsync(NpgsqlDataSource db, string planId)
    {
        await using var read = db.CreateCommand("select payloadbinary from orleansstorage where graintypestring = 'rollout' and grainidextensionstring = $1");
        read.Parameters.AddWithValue(planId);
        if (await read.ExecuteScalarAsync() is not byte[] payload) return ("Replacing", 0, 0);
        var state = JsonDocument.Parse(payload).RootElement;
        return (state.GetProperty("step").GetString()!, state.GetProperty("handled").GetInt32(), state.GetProperty("total").GetInt32());
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql, string parameter)
    {
        await using var count = db.CreateCommand(sql);
        count.Parameters.AddWithValue(parameter);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    // Every console page and list API the reader may open; searches by name, remark, phone and tag.
    private static IEnumerable<string> Paths(string who, string account, string customer, string persona, string phoneDigits)
    {
        string[] pages = ["/", "/accounts", "/customers", "/customers?q=王", "/customers?q=老客户", $"/customers?q={phoneDigits}", "/customers?q=近视",
            "/channels", "/today", "/plans", "/calendar", "/tags"];
        string[] apis = ["/api/accounts", "/api/channels", "/api/personas", "/api/alerts", "/api/losses", $"/api/accounts/{account}/tasks",
            $"/api/customers/{customer}", $"/api/customers/{customer}/timeline", $"/api/personas/{persona}/calendar"];
        var yearAgo = DateTime.UtcNow.AddHours(8).AddDays(-364).ToString("yyyy-MM-dd");
        apis = [.. apis, "/reports", "/api/reports/growth", $"/api/reports/growth?by=month&from={yearAgo}", "/api/reports/touches",
            $"/api/reports/touches?from={DateTime.UtcNow.AddHours(8).AddDays(-89):yyyy-MM-dd}", $"/api/reports/touches?from={yearAgo}",
            "/api/reports/channels", $"/api/reports/channels?from={yearAgo}", "/api/reports/accounts", $"/api/reports/accounts?from={yearAgo}",
            "/api/reports/repurchase", $"/api/reports/repurchase?from={yearAgo}", "/api/reports/tags", "/reports?view=accounts"];
        var managers = who is "admin" or "lead" ? new[] { "/api/plans" } : [];
        var admins = who == "admin" ? new[] { "/team", "/api/audit", "/api/operators" } : [];
        return pages.Concat(apis).Concat(managers).Concat(admins);
    }

    // Two warm-up reads, then the median of five.
    // A request that fails is shown as its status in the table, not timed: a long run is not lost to one page.
    private static async Task<(double Ms, long Bytes, HttpStatusCode Status)> MedianAsync(HttpClient http, string path)
    {
        long bytes = 0;
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            var elapsed = watch.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Console.Error.WriteLine($"GET {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
                return (0, 0, response.StatusCode);
            }
            bytes = body.Length;
            if (i >= 2) times.Add(elapsed);
        }
        return (times.Order().ElementAt(2), bytes, HttpStatusCode.OK);
    }

    private static async Task<long> DatabaseSizeAsync(NpgsqlDataSource db, string name)
    {
        await using var size = db.CreateCommand($"select pg_database_size('{name}')");
        return (long)(await size.ExecuteScalarAsync())!;
    }
}
