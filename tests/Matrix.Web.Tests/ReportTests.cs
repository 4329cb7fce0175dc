using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Matrix.Grains.Reports;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// A scripted quarter on a fake clock (Beijing time, the server in UTC): adds through three channels, losses, a
/// removal, a transfer, a purchase and touches from two plans. Every report gives exactly the numbers the script
/// implies, and the quarter reads the same after later deletions, re-adds, a late webhook and edits.
/// </summary>
public sealed class ReportTests() : ReportScript("reports")
{
    [Fact]
    public async Task A_scripted_quarter_gives_exactly_its_numbers_in_every_report_and_reads_the_same_after_later_changes()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var a = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_a", kind = "PersonalWeChat" } });
        var b = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_b", kind = "PersonalWeChat" } });
        foreach (var c in new[] { "c1", "c2", "c3" })
            await CreateAsync("/api/channels", new { id = c, channel = new { name = "渠道" + c, state = "s-" + c, personaId = persona } });
        var p1 = await CreateAsync("/api/plans", new { name = "三天回访", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 3 }, enabled = false });
        var p2 = await CreateAsync("/api/plans", new { name = "到店提醒", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 9 }, enabled = false });

        // July: six friends on the first, two more on the tenth; one leaves within a day, one we remove, one leaves a day after a plan's touch.
        foreach (var (customer, channel) in new[] { ("c1-1", "c1"), ("c1-2", "c1"), ("c1-3", "c1"), ("c2-1", "c2"), ("c2-2", "c2") }) await AddAsync(a, customer, channel);
        await AddAsync(b, "c3-1", "c3");
        await AtAsync(7, 2, 9);
        await DeleteAsync(a, "c1-1");
        await DeleteAsync(a, "c2-1", byCustomer: false);
        await AtAsync(7, 10);
        await AddAsync(b, "b1", "c1");
        await AddAsync(b, "b2", "c1");
        await TouchAsync(a, "c1-2", "plan:" + p1);
        await TouchAsync(a, "c1-3", "plan:" + p1);
        await TouchAsync(a, "c2-2", "plan:" + p2);
        Ok(await _admin.PostAsJsonAsync("/api/events/purchase", new { customerId = "c2-2", orderId = "o-1", amount = 399m, at = _clock.GetUtcNow() }));
        await AtAsync(7, 11, 9);
        await DeleteAsync(a, "c1-2");
        // August: account A is banned and its customers re-homed to B; one introduction is done (a transfer, not growth).
        await AtAsync(8, 15);
        Ok(await _admin.PostAsJsonAsync($"/api/accounts/{a}/status", new { status = "Banned" }));
        Ok(await _admin.PostAsJsonAsync($"/api/accounts/{a}/rehome", new { }));
        var move = (await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{a}/tasks")).EnumerateArray().First(t => t.GetProperty("customerId").GetString() == "c1-3");
        Ok(await _admin.PostAsync($"/api/tasks/{move.GetProperty("id").GetString()}/done", null));
        // September: one new friend, one old friend leaves.
        await AtAsync(9, 5);
        await AddAsync(b, "c2-3", "c2");
        await AtAsync(9, 20);
        await DeleteAsync(b, "b1");
        await AtAsync(10, 1, 8);

        var quarter = "from=2026-07-01&to=2026-09-30";
        var growth = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/growth?{quarter}&by=month");
        Assert.Equal([
            "2026-07-01 0→5 +8 -2 x1 net 5 in 0 rate -",
            "2026-08-01 5→6 +0 -0 x0 net 0 in 1 rate 0",
            "2026-09-01 6→6 +1 -1 x0 net 0 in 0 rate 0.1667",
        ], Periods(growth));
        Assert.Equal(["c1 5 1 1 2", "c2 3 0 0 0", "c3 1 0 0 0"], growth.GetProperty("earlyLosses").EnumerateArray()
            .Select(e => $"{e.GetProperty("channelId").GetString()} {e.GetProperty("added")} {e.GetProperty("lostWithin1")} {e.GetProperty("lostWithin7")} {e.GetProperty("lostWithin30")}"));
        // July's and August's adds were read from their final days (30 days on), September's from the log; touches to the 28th likewise.
        await using (var db = NpgsqlDataSource.Create(_app.ConnectionString))
            Assert.Equal("2026-08-31 2026-09-28", await db.CreateCommand(
                "select (select max(day) from final_days where kind = 'adds')::text || ' ' || (select max(day) from final_days where kind = 'touches')::text").ExecuteScalarAsync());
        var days = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/growth?{quarter}");
        Assert.Equal(92, days.GetProperty("periods").GetArrayLength());
        Assert.Equal(516, days.GetProperty("periods").EnumerateArray().Sum(p => p.GetProperty("friends").GetInt32())); // friend-days, the baseline's exposure
        var byChannel = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/growth?{quarter}&by=month&channel=c1");
        Assert.Equal(["2026-07-01 0→3 +5 -2 x0 net 3 in 0 rate -", "2026-08-01 3→3 +0 -0 x0 net 0 in 0 rate 0", "2026-09-01 3→2 +0 -1 x0 net -1 in 0 rate 0.3333"], Periods(byChannel));

        // Churn per touch: the three-day plan's touches were followed by a deletion, against a baseline of untouched customers.
        var touches = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/touches?{quarter}");
        var rows = touches.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => (r.GetProperty("touches").GetInt32(), r.GetProperty("lostWithin48h").GetInt32()));
        Assert.Equal((2, 1), rows["三天回访"]);
        Assert.Equal((1, 0), rows["到店提醒"]);
        Assert.Equal((1, 0), rows["迁移引荐"]);
        Assert.Equal((4, 1), rows["wx_a"]);
        Assert.Equal(2, touches.GetProperty("baselineLosses").GetInt32());
        Assert.Equal(258, touches.GetProperty("baselineWindows").GetDouble());
        Assert.Equal(500, touches.GetProperty("rows")[0].GetProperty("perThousand").GetDouble());
        Assert.True(touches.GetProperty("baselinePerThousand").GetDouble() is > 7.7 and < 7.8);
        // One account's report reads that account's own final days (an admin's reads the sums over every account): the same figures for it.
        var ofA = (await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/touches?{quarter}&accountId={a}")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => (r.GetProperty("touches").GetInt32(), r.GetProperty("lostWithin48h").GetInt32()));
        Assert.Equal((4, 1), ofA["wx_a"]);
        Assert.Equal((2, 1), ofA["三天回访"]);
        Assert.False(ofA.ContainsKey("wx_b"));

        // Later: a deletion, a re-add, a webhook of September sent late, a profile edit. The quarter reads the same.
        await AtAsync(10, 5);
        await DeleteAsync(b, "c3-1");
        await AddAsync(a, "c1-1", "c2");
        Ok(await _admin.PostAsJsonAsync("/api/events/friend-added", new { accountId = b, externalId = "late-1", at = new DateTimeOffset(2026, 9, 10, 12, 0, 0, Beijing), idempotencyKey = "late-1", channel = "c1" }));
        Ok(await _admin.PutAsJsonAsync("/api/customers/c2-2/profile", new { displayName = "改过名" }));
        await AtAsync(10, 8);
        Assert.Equal(Periods(growth), Periods(await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/growth?{quarter}&by=month")));
        // ...and what happened after it counts when it was recorded: October has the late add, the loss and the re-add.
        var october = await _admin.GetFromJsonAsync<JsonElement>("/api/reports/growth?from=2026-10-01&to=2026-10-31&by=month");
        Assert.Equal(["2026-10-01 6→7 +2 -1 x0 net 1 in 0 rate 0.1667"], Periods(october));

        // The file: UTF-8 with its mark, Chinese titles, audited.
        var csv = await _admin.GetByteArrayAsync($"/api/reports/growth?{quarter}&by=month&format=csv");
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csv[..3]);
        Assert.StartsWith("周期,期末好友数,新增", Encoding.UTF8.GetString(csv[3..]));
        Assert.Contains("2026-09,6,1,1,0,0,0,0,16.67", Encoding.UTF8.GetString(csv));
        Assert.Contains("report-growth", await _admin.GetStringAsync("/api/audit?action=export"));
    }

    private static List<string> Periods(JsonElement report) => [.. report.GetProperty("periods").EnumerateArray().Select(p =>
        $"{p.GetProperty("start").GetString()} {p.GetProperty("friendsAtStart")}→{p.GetProperty("friends")} +{p.GetProperty("added")} -{p.GetProperty("lost")} x{p.GetProperty("removed")} net {p.GetProperty("net")} in {p.GetProperty("movedIn")} rate {(p.GetProperty("churnRate").ValueKind == JsonValueKind.Null ? "-" : Math.Round(p.GetProperty("churnRate").GetDouble(), 4).ToString(System.Globalization.CultureInfo.InvariantCulture))}")];
}
