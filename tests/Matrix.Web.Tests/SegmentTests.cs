using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Domain.Access;
using Matrix.Grains.Segments;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// Segments: membership with its history over a year on a fake clock (entered on a purchase, left when the purchase
/// aged out of "within 180 days", entered again), members exact against what was sent after thousands of mixed events
/// through two nodes, an abandoned recount of an edited segment, bad predicates named by their part, and a lead
/// counting only their team's customers.
/// </summary>
public sealed class SegmentTests() : ReportScript("segments")
{
    [Fact]
    public async Task A_customers_history_records_each_entry_and_exit_with_why_across_a_year()
    {
        Ok(await _admin.PutAsJsonAsync("/api/tags/interest", new { tags = new[] { "学生", "近视" } }));
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var a = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_seg", kind = "PersonalWeChat" } });
        foreach (var c in new[] { "s1", "s2", "s3" }) await AddAsync(a, c, null);
        var lenses = await CreateAsync("/api/segments", new { name = "半年内买过镜片", predicate = new { field = "lastPurchase", category = "镜片", withinDays = 180 } });
        var students = await CreateAsync("/api/segments", new { name = "学生", predicate = new { field = "tags", @in = new[] { "学生" } } });
        await CountedAsync(lenses);
        await CountedAsync(students);

        await PurchaseAsync("o1", "s1", "镜片");
        await PurchaseAsync("o2", "s2", "镜架");
        Ok(await _admin.PostAsJsonAsync("/api/customers/s3/tags", new { add = new[] { "学生" } }));
        await MembersAsync(lenses, ["s1"]);
        await MembersAsync(students, ["s3"]);

        // January's purchase ages out in the night after December 28th; August's brings s1 back; s3's tag comes off.
        await AtAsync(12, 29);
        await MembersAsync(lenses, []);
        await AtAsync(12, 30);
        await NightCountedAsync(lenses); // the night's recount first: the purchase, not the night, brings s1 back
        await PurchaseAsync("o3", "s1", "镜片");
        Ok(await _admin.PostAsJsonAsync("/api/customers/s3/tags", new { remove = new[] { "学生" } }));
        await MembersAsync(lenses, ["s1"]);
        await MembersAsync(students, []);

        var history = await _admin.GetFromJsonAsync<JsonElement>("/api/customers/s1/segments");
        Assert.Equal(["entered 半年内买过镜片 purchase 镜片 2026-12-30", "left 半年内买过镜片 time  2026-12-29", "entered 半年内买过镜片 purchase 镜片 2026-07-01"],
            history.EnumerateArray().Select(h => $"{(h.GetProperty("entered").GetBoolean() ? "entered" : "left")} {h.GetProperty("segmentName").GetString()} "
                + $"{h.GetProperty("reason").GetString()} {h.GetProperty("detail").GetString()} {h.GetProperty("at").GetDateTimeOffset().ToOffset(Beijing):yyyy-MM-dd}"));
        var s3 = await _admin.GetFromJsonAsync<JsonElement>("/api/customers/s3/segments");
        Assert.Equal(["left tag -学生", "entered tag +学生"], s3.EnumerateArray().Select(h => $"{(h.GetProperty("entered").GetBoolean() ? "entered" : "left")} {h.GetProperty("reason").GetString()} {h.GetProperty("detail").GetString()}"));
    }

    [Fact]
    public async Task An_edit_abandons_the_older_versions_count_and_bad_predicates_are_named_by_their_part()
    {
        Ok(await _admin.PutAsJsonAsync("/api/tags/interest", new { tags = new[] { "学生", "近视" } }));
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var a = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_seg", kind = "PersonalWeChat" } });
        for (var i = 0; i < 6; i++) await AddAsync(a, $"e{i}", null); // "e0" reads as a hexadecimal number: Orleans keeps such a key as one
        Ok(await _admin.PostAsJsonAsync("/api/customers/e0/tags", new { add = new[] { "学生" } }));
        Ok(await _admin.PostAsJsonAsync("/api/customers/e1/tags", new { add = new[] { "近视" } }));
        Ok(await _admin.PostAsJsonAsync("/api/customers/e2/tags", new { add = new[] { "近视" } }));
        var id = await CreateAsync("/api/segments", new { name = "标签人群", predicate = new { field = "tags", @in = new[] { "学生" } } });
        await MembersAsync(id, ["e0"]);

        // The edit is version 2; a count of version 1 that ran on would commit nothing.
        Ok(await _admin.PutAsJsonAsync($"/api/segments/{id}", new { name = "标签人群", predicate = new { field = "tags", @in = new[] { "近视" } } }));
        Assert.False(await _app.Services.GetRequiredService<SegmentStore>().RecountAsync(id, 1, "recount"));
        await MembersAsync(id, ["e1", "e2"]);
        var segment = await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{id}");
        Assert.Equal((2, 2), (segment.GetProperty("version").GetInt32(), segment.GetProperty("members").GetInt32()));
        var preview = await (await _admin.PostAsJsonAsync("/api/segments/preview", new { predicate = new { field = "tags", @in = new[] { "近视" } } })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, preview.GetProperty("count").GetInt32());
        Assert.Equal(["e1", "e2"], preview.GetProperty("sample").EnumerateArray().Select(s => s.GetString()));

        await ProblemAsync("/api/segments/preview", new { predicate = new { all = new object[] { new { field = "class", @in = new[] { "Z" } } } } }, "predicate.all[0].in[0]");
        await ProblemAsync("/api/segments/preview", new { predicate = new { any = new object[] { new { field = "height", @in = new[] { "1" } } } } }, "predicate.any[0].field");
        await ProblemAsync("/api/segments/preview", new { predicate = new { field = "tags", @in = new[] { "没有这个" } } }, "predicate.in[0]");
        await ProblemAsync("/api/segments/preview", new { predicate = new { not = new { field = "lastPurchase" } } }, "predicate.not.withinDays");
        await ProblemAsync("/api/segments/preview", new { predicate = new { all = Array.Empty<object>() } }, "predicate.all");
        var unnamed = await _admin.PostAsJsonAsync("/api/segments", new { name = "", predicate = new { field = "class", @in = new[] { "A" } } });
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Contains("\"name\"", await unnamed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Members_equal_what_was_sent_after_mixed_events_through_two_nodes_and_a_lead_counts_only_their_team()
    {
        Ok(await _admin.PutAsJsonAsync("/api/tags/interest", new { tags = new[] { "学生" } }));
        var north = await CreateAsync("/api/personas", new { nickname = "北", team = "north" });
        var south = await CreateAsync("/api/personas", new { nickname = "南", team = "south" });
        var n = await CreateAsync("/api/accounts", new { personaId = north, role = "Sales", status = "Active", settings = new { weChatId = "wx_n", kind = "PersonalWeChat", team = "north" } });
        var s = await CreateAsync("/api/accounts", new { personaId = south, role = "Sales", status = "Active", settings = new { weChatId = "wx_s", kind = "PersonalWeChat", team = "south" } });
        var tagged = await CreateAsync("/api/segments", new { name = "学生", predicate = new { field = "tags", @in = new[] { "学生" } } });
        var buyers = await CreateAsync("/api/segments", new { name = "两单以上", predicate = new { all = new object[] { new { field = "purchases", min = 2 }, new { not = new { field = "stage", @in = new[] { "Lost" } } } } } });

        // A second node on the same database; each customer's events go in order, customers in parallel over both nodes.
        await using var second = new MatrixApp(_app.ConnectionString, "node-b", _clock);
        var other = await second.SignedInAsync();
        const int customers = 1_000;
        var expectTagged = new ConcurrentDictionary<string, bool>();
        var expectOrders = new ConcurrentDictionary<string, int>();
        var lost = new ConcurrentDictionary<string, bool>();
        var sent = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, customers), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var http = i % 2 == 0 ? _admin : other;
            var id = $"m{i:D4}";
            var random = new Random(i);
            Ok(await http.PostAsJsonAsync("/api/events/friend-added", new { accountId = i % 3 == 0 ? s : n, externalId = id, at = _clock.GetUtcNow(), idempotencyKey = "add-" + id }));
            var orders = new List<string>();
            for (var e = 0; e < 9; e++)
            {
                switch (random.Next(5))
                {
                    case 0: Ok(await http.PostAsJsonAsync($"/api/customers/{id}/tags", new { add = new[] { "学生" } })); expectTagged[id] = true; break;
                    case 1: Ok(await http.PostAsJsonAsync($"/api/customers/{id}/tags", new { remove = new[] { "学生" } })); expectTagged[id] = false; break;
                    case 2 or 3:
                        var order = $"{id}-{e}";
                        Ok(await http.PostAsJsonAsync("/api/events/purchase", new { customerId = id, orderId = order, amount = 100m, at = _clock.GetUtcNow() }));
                        orders.Add(order);
                        break;
                    default:
                        if (orders.Count == 0) break;
                        Ok(await http.PostAsJsonAsync("/api/events/refund", new { orderId = orders[^1], at = _clock.GetUtcNow() }));
                        orders.RemoveAt(orders.Count - 1);
                        break;
                }
                Interlocked.Increment(ref sent);
            }
            expectOrders[id] = orders.Count;
            if (random.Next(10) == 0)
            {
                Ok(await http.PostAsJsonAsync("/api/events/friend-deleted", new { accountId = i % 3 == 0 ? s : n, externalId = id, at = _clock.GetUtcNow(), idempotencyKey = "del-" + id, byCustomer = true }));
                lost[id] = true;
            }
        });
        Assert.True(sent + customers > 9_000);

        await FactsSettledAsync(_app.ConnectionString);
        string[] Expected(Func<string, bool> member) => [.. Enumerable.Range(0, customers).Select(i => $"m{i:D4}").Where(member).Order(StringComparer.Ordinal)];
        await MembersAsync(tagged, Expected(id => expectTagged.GetValueOrDefault(id)));
        await MembersAsync(buyers, Expected(id => expectOrders.GetValueOrDefault(id) >= 2 && !lost.ContainsKey(id)));

        // The builder's live count on either node, from the facts it holds in memory, counts the same customers.
        foreach (var http in new[] { _admin, other })
            foreach (var (predicate, expected) in new (object, int)[]
            {
                (new { field = "tags", @in = new[] { "学生" } }, Expected(id => expectTagged.GetValueOrDefault(id)).Length),
                (new { all = new object[] { new { field = "purchases", min = 2 }, new { not = new { field = "stage", @in = new[] { "Lost" } } } } },
                    Expected(id => expectOrders.GetValueOrDefault(id) >= 2 && !lost.ContainsKey(id)).Length),
            })
            {
                JsonElement live = default;
                await WaitAsync(async () => (live = await (await http.PostAsJsonAsync("/api/segments/preview", new { predicate })).Content.ReadFromJsonAsync<JsonElement>())
                    .GetProperty("countedIn").GetString() == "memory");
                Assert.Equal(expected, live.GetProperty("count").GetInt32());
            }

        // The same members as a direct query over what the ledger and the orders hold.
        await using (var db = NpgsqlDataSource.Create(_app.ConnectionString))
        {
            var direct = (long)(await db.CreateCommand("""
                select count(*) from (select customer_id from purchase_orders where refunded_at is null and customer_id like 'm%' group by 1 having count(*) >= 2) b
                 where exists (select 1 from account_friends f where f.external_id = b.customer_id and f.removed_at is null)
                """).ExecuteScalarAsync())!;
            Assert.Equal(direct, (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{buyers}")).GetProperty("members").GetInt64());
        }

        // A lead of north counts north's customers only, and does not see an admin's segments of no team.
        var lead = await _app.SignedInAsync("lead-n", OperatorRole.Lead, "north");
        var northTagged = Expected(id => expectTagged.GetValueOrDefault(id) && int.Parse(id[1..]) % 3 != 0).Length;
        var preview = await (await lead.PostAsJsonAsync("/api/segments/preview", new { predicate = new { field = "tags", @in = new[] { "学生" } } })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(northTagged, preview.GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await lead.GetAsync($"/api/segments/{tagged}")).StatusCode);
        var own = await (await lead.PostAsJsonAsync("/api/segments", new { name = "北区学生", predicate = new { field = "tags", @in = new[] { "学生" } } })).Content.ReadFromJsonAsync<JsonElement>();
        var ownId = own.GetProperty("id").GetString();
        await WaitAsync(async () => (await lead.GetFromJsonAsync<JsonElement>($"/api/segments/{ownId}")).GetProperty("counting").GetBoolean() == false);
        Assert.Equal(northTagged, (await lead.GetFromJsonAsync<JsonElement>($"/api/segments/{ownId}")).GetProperty("members").GetInt32());
        Assert.Equal(Expected(id => expectTagged.GetValueOrDefault(id)).Length, (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{ownId}")).GetProperty("members").GetInt32());
        Assert.DoesNotContain((await lead.GetFromJsonAsync<JsonElement>($"/api/segments/{ownId}/members?limit=1000")).EnumerateArray(),
            m => int.Parse(m.GetProperty("customerId").GetString()![1..]) % 3 == 0);
    }

    /// <summary>Waits until the segment has been counted since the store's day began (the nightly recount).</summary>
    private Task NightCountedAsync(string segment) => WaitAsync(async () =>
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("countedAt").GetDateTimeOffset().ToOffset(Beijing).Date
            == _clock.GetUtcNow().ToOffset(Beijing).Date);

    /// <summary>Waits until the segment's current version has been counted.</summary>
    private Task CountedAsync(string segment) =>
        WaitAsync(async () => !(await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("counting").GetBoolean());

    private async Task PurchaseAsync(string order, string customer, string category) =>
        Ok(await _admin.PostAsJsonAsync("/api/events/purchase", new { customerId = customer, orderId = order, amount = 300m, at = _clock.GetUtcNow(),
            items = new[] { new { sku = "sku-" + order, qty = 1, category } } }));

    /// <summary>Waits until the segment's members are exactly <paramref name="expected"/> (events and counts move them in the background).</summary>
    private async Task MembersAsync(string segment, string[] expected)
    {
        string[] members = [];
        await WaitAsync(async () =>
        {
            members = [.. (await _admin.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}/members?limit=1000")).EnumerateArray().Select(m => m.GetProperty("customerId").GetString()!)];
            return members.SequenceEqual(expected);
        }, () => $"members {string.Join(',', members.Take(20))} ({members.Length}), wanted {string.Join(',', expected.Take(20))} ({expected.Length})");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail(describe?.Invoke() ?? "condition not met in 2 minutes");
            await Task.Delay(50);
        }
    }

}
