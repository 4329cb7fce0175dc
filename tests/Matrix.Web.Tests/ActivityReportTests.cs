using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Matrix.Grains.Capacity;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// A scripted July on a fake clock (Beijing, the server in UTC): scans and adds through two channels (one person on two
/// accounts), replies, follow-ups done, skipped and missed, a Moments offer followed by a deletion, purchases with and
/// without a touch before them and a refund, hand and channel tags. The channel, account, repurchase and tag reports,
/// and churn per Moments category, give exactly the numbers the script implies, for an admin and for one account.
/// </summary>
public sealed class ActivityReportTests() : ReportScript("activity_reports")
{
    [Fact]
    public async Task A_scripted_month_gives_exactly_its_numbers_in_the_channel_account_repurchase_and_tag_reports()
    {
        Ok(await _admin.PutAsJsonAsync("/api/tags/interest", new { tags = new[] { "近视", "学生", "防蓝光" } }));
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var a = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
            settings = new { weChatId = "wx_a", kind = "PersonalWeChat", capacity = new { hardCap = 100, softCap = 50, reserve = 0 } } });
        var b = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
            settings = new { weChatId = "wx_b", kind = "PersonalWeChat", capacity = new { hardCap = 200, softCap = 100, reserve = 0 } } });
        await CreateAsync("/api/channels", new { id = "c1", channel = new { name = "门店海报", state = "s-c1", personaId = persona, tags = new[] { "学生" } } });
        await CreateAsync("/api/channels", new { id = "c2", channel = new { name = "公众号", state = "s-c2", personaId = persona } });
        await CreateAsync("/api/channels", new { id = "c3", channel = new { name = Formula, state = "s-c3", personaId = persona } });
        var plan = await CreateAsync("/api/plans", new { name = "三天回访", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 3 }, enabled = false });

        // July 1st: four scans of the poster and one of the article; k1 adds both accounts through the poster.
        var liveCodes = _app.Services.GetRequiredService<LiveCodeService>();
        foreach (var channel in new[] { "c1", "c1", "c1", "c1", "c2", "c3" }) Assert.NotNull(await liveCodes.ScanAsync(channel));
        await _app.Services.GetRequiredService<ChannelStats>().FlushAsync();
        await AddAsync(a, "k1", "c1");
        await AddAsync(a, "k2", "c1");
        await AddAsync(a, "k3", "c2");
        await AddAsync(b, "k4", "c1");
        Ok(await _admin.PostAsJsonAsync("/api/customers/k2/tags", new { add = new[] { "近视" } }));
        Ok(await _admin.PostAsJsonAsync("/api/customers/k3/tags", new { add = new[] { "近视", "防蓝光" } }));
        // Follow-ups on A: one done, one skipped, one left open; a Moments offer posted; k1 buys after A's touch.
        await TouchAsync(a, "k1", "plan:" + plan);
        Ok(await _admin.PostAsJsonAsync($"/api/tasks/{await TaskAsync(a, "k2", "plan:" + plan)}/skip", new { reason = "客户在外地" }));
        await TaskAsync(a, "k3", "plan:" + plan);
        await TouchAsync(a, null, "post:p1", kind: "moments", category: "Offer");
        await PurchaseAsync("o1", "k1", 100m, "镜片");
        // Later that day k1 adds B too; replies arrive, k1's twice (one sent again by a retrying webhook), k2's once.
        await AtAsync(7, 1, 13);
        await AddAsync(b, "k1", "c1");
        foreach (var (customer, hour) in new[] { ("k1", 11), ("k1", 12), ("k1", 12), ("k2", 11) })
            Ok(await _admin.PostAsJsonAsync("/api/events/message-received", new { accountId = a, customerId = customer, at = new DateTimeOffset(2026, 7, 1, hour, 0, 0, Beijing) }));
        await AtAsync(7, 2, 9);
        await DeleteAsync(a, "k3");
        await AtAsync(7, 3);
        await PurchaseAsync("o4", "k2", 60m);
        await AtAsync(7, 4);
        Ok(await _admin.PostAsJsonAsync("/api/events/refund", new { orderId = "o4", at = _clock.GetUtcNow() }));
        await AtAsync(7, 5);
        await PurchaseAsync("o3", "k4", 80m);
        await AtAsync(7, 6);
        await PurchaseAsync("o5", "k2", 30m);
        await AtAsync(7, 20);
        await PurchaseAsync("o2", "k1", 50m);
        await AtAsync(8, 15);

        var july = "from=2026-07-01&to=2026-07-31";
        var channels = (await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/channels?{july}")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("channelId").GetString()!, r => $"{r.GetProperty("name")} scans {r.GetProperty("scans")} full {r.GetProperty("fullScans")} new {r.GetProperty("added")} people {r.GetProperty("people")} rate {r.GetProperty("addRate")} kept7 {r.GetProperty("retained7")} kept30 {r.GetProperty("retained30")}");
        Assert.Equal("门店海报 scans 4 full 0 new 4 people 3 rate 1 kept7 1 kept30 1", channels["c1"]);
        Assert.Equal("公众号 scans 1 full 0 new 1 people 1 rate 1 kept7 0 kept30 0", channels["c2"]);
        Assert.Equal($"{Formula} scans 1 full 0 new 0 people 0 rate 0 kept7  kept30 ", channels["c3"]);

        var accounts = (await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/accounts?{july}")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("weChatId").GetString()!, r => string.Join(' ', new[] { "friends", "softFill", "hardFill", "added", "lost", "removed",
                "followUpsDue", "followUpsDone", "followUpsSkipped", "followUpsMissed", "replies", "repliedCustomers", "purchases", "amount" }.Select(p => r.GetProperty(p).ToString())));
        Assert.Equal("2 0.04 0.02 3 1 0 3 1 1 1 3 2 1 100.00", accounts["wx_a"]);
        Assert.Equal("2 0.02 0.01 2 0 0 0 0 0 0 0 0 0 0", accounts["wx_b"]);

        // Repurchase: k1 bought twice, k4 and k2 once (k2's refunded order does not count); cohorts by first order.
        var repurchase = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/repurchase?{july}");
        Assert.Equal("buyers 3 repeat 1 orders 4 amount 260.00", $"buyers {repurchase.GetProperty("buyers")} repeat {repurchase.GetProperty("repeatBuyers")} orders {repurchase.GetProperty("orders")} amount {repurchase.GetProperty("amount")}");
        Assert.Equal(["2026-07 3 1 1 1"], Cohorts(repurchase));
        // One account's: the purchases counted for A (k1's after A's touch, k2's on A); k1's next order counts wherever it was.
        var ofA = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/repurchase?{july}&accountId={a}");
        Assert.Equal((2, 0), (ofA.GetProperty("buyers").GetInt32(), ofA.GetProperty("repeatBuyers").GetInt32()));
        Assert.Equal(["2026-07 2 1 1 1"], Cohorts(ofA));

        // Tags at the end of yesterday: each current customer once, on their home account; shares of 3 customers add up to more than 100%.
        var tags = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/tags?to=2026-08-15");
        Assert.Equal("2026-08-14", tags.GetProperty("countedOn").GetString());
        Assert.Equal(3, tags.GetProperty("customers").GetInt32());
        Assert.Equal(["学生 3 1", "近视 1 0.3333"], tags.GetProperty("rows").EnumerateArray()
            .Select(r => $"{r.GetProperty("tag").GetString()} {r.GetProperty("customers")} {Math.Round(r.GetProperty("share").GetDouble(), 4).ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        var tagsOfA = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/tags?to=2026-08-15&accountId={a}");
        Assert.Equal(1, tagsOfA.GetProperty("customers").GetInt32());

        // Churn per touch by Moments category: the offer was seen by A's three friends, one of whom left within 48 hours.
        var touches = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/touches?{july}");
        var offer = touches.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("dimension").GetString() == "moments");
        Assert.Equal("促销 3 1", $"{offer.GetProperty("name").GetString()} {offer.GetProperty("touches")} {offer.GetProperty("lostWithin48h")}");

        // Each report as a file, with its Chinese titles.
        foreach (var (report, title) in new[] { ("channels", "渠道,扫码次数"), ("accounts", "微信号,期末好友数"), ("repurchase", "首单月份,首购客户"), ("tags", "标签,客户数") })
        {
            var csv = await _admin.GetByteArrayAsync($"/api/reports/{report}?{july}&format=csv");
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csv[..3]);
            Assert.StartsWith(title, Encoding.UTF8.GetString(csv[3..]));
        }
        // A channel named like a formula is text in both files: a quote before it in CSV, a text cell in xlsx.
        Assert.Contains("'=HYPERLINK", Encoding.UTF8.GetString(await _admin.GetByteArrayAsync($"/api/reports/channels?{july}&format=csv")));
        using (var zip = new ZipArchive(new MemoryStream(await _admin.GetByteArrayAsync($"/api/reports/channels?{july}&format=xlsx"))))
        {
            using var sheet = new StreamReader(zip.Entries.Single(e => e.FullName.StartsWith("xl/worksheets/sheet", StringComparison.Ordinal)).Open());
            var xml = await sheet.ReadToEndAsync();
            Assert.Contains("HYPERLINK", xml);
            Assert.DoesNotContain("<x:f>", xml.Replace("<f>", "<x:f>"));
        }
    }

    private const string Formula = "=HYPERLINK(\"http://evil.example\",\"点我\")";

    private async Task PurchaseAsync(string order, string customer, decimal amount, string? category = null) =>
        Ok(await _admin.PostAsJsonAsync("/api/events/purchase", new { customerId = customer, orderId = order, amount, at = _clock.GetUtcNow(),
            items = category is null ? null : new[] { new { sku = "sku-" + order, qty = 1, category } } }));

    private static List<string> Cohorts(JsonElement report) => [.. report.GetProperty("cohorts").EnumerateArray().Select(c =>
        $"{c.GetProperty("month").GetString()} {c.GetProperty("customers")} {c.GetProperty("within30")} {c.GetProperty("within60")} {c.GetProperty("within90")}")];
}
