using System.Net.Http.Json;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>
/// The repurchase report over every account counts from each order's links to its customer's previous and next order
/// (Migrations/0020), kept by the database as orders are claimed, backdated and refunded. Ninety orders of twelve
/// customers arrive out of time order, several of one customer at once, and a dozen are refunded, some of them first
/// orders: every range's buyers, repeat buyers, orders, amount and cohorts equal the definition computed here from the
/// orders themselves, over every account and for one.
/// </summary>
public sealed class RepurchaseLinkTests() : ReportScript("repurchase_links")
{
    private sealed record Order(string Id, string Customer, string Account, DateTimeOffset At, decimal Amount);

    [Fact]
    public async Task Buyers_repeat_buyers_and_cohorts_follow_the_orders_however_they_arrive()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var accounts = new List<string>();
        foreach (var wx in new[] { "wx_a", "wx_b" })
            accounts.Add(await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active",
                settings = new { weChatId = wx, kind = "PersonalWeChat", capacity = new { hardCap = 100, softCap = 50, reserve = 0 } } }));
        await AtAsync(10, 15);
        var customers = Enumerable.Range(0, 12).Select(i => (Id: $"r{i}", Account: accounts[i % 2])).ToList();
        foreach (var (id, account) in customers) await AddAsync(account, id, null);

        // Orders from June to September, sent in a shuffled order, eight at a time (a customer's often together).
        var random = new Random(20261202);
        var start = new DateTimeOffset(2026, 6, 1, 0, 0, 0, Beijing);
        var orders = Enumerable.Range(0, 90).Select(i =>
        {
            var (customer, account) = customers[random.Next(i < 30 ? 4 : customers.Count)];
            return new Order($"ro{i}", customer, account, start.AddMinutes(random.Next(0, 122 * 24 * 60)), random.Next(10, 500));
        }).OrderBy(_ => random.Next()).ToList();
        foreach (var batch in orders.Chunk(8))
            await Task.WhenAll(batch.Select(async o => Ok(await _admin.PostAsJsonAsync("/api/events/purchase",
                new { customerId = o.Customer, orderId = o.Id, amount = o.Amount, at = o.At }))));
        // Refunds, among them each customer's first order for three customers (their second becomes their first).
        var firstOrders = orders.GroupBy(o => o.Customer).Select(g => g.MinBy(o => (o.At, o.Id))!).Take(3);
        var refunded = firstOrders.Concat(orders.OrderBy(_ => random.Next()).Take(9)).DistinctBy(o => o.Id).ToList();
        await Task.WhenAll(refunded.Select(async o => Ok(await _admin.PostAsJsonAsync("/api/events/refund", new { orderId = o.Id, at = _clock.GetUtcNow() }))));
        var counted = orders.Except(refunded).ToList();

        foreach (var (from, to) in new[] { ("2026-06-01", "2026-09-30"), ("2026-07-01", "2026-07-31"), ("2026-06-15", "2026-08-20"), ("2026-09-10", "2026-09-30") })
        {
            Assert.Equal(Expected(counted, from, to, null), await ReadAsync($"from={from}&to={to}"));
            Assert.Equal(Expected(counted, from, to, accounts[1]), await ReadAsync($"from={from}&to={to}&accountId={accounts[1]}"));
        }
    }

    private async Task<string> ReadAsync(string query)
    {
        var report = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/repurchase?{query}");
        var cohorts = report.GetProperty("cohorts").EnumerateArray().Select(c =>
            $"{c.GetProperty("month").GetString()} {c.GetProperty("customers")} {c.GetProperty("within30")} {c.GetProperty("within60")} {c.GetProperty("within90")}");
        return $"buyers {report.GetProperty("buyers")} repeat {report.GetProperty("repeatBuyers")} orders {report.GetProperty("orders")} amount {report.GetProperty("amount").GetDecimal():0.00}; {string.Join(", ", cohorts)}";
    }

    // The definition, from the orders: a range's buyers and those with two orders in it (only the scope's orders
    // count); a cohort is the customers whose first order anywhere fell in the month, and whether their next order
    // anywhere came within 30, 60, 90 days.
    private static string Expected(List<Order> counted, string from, string to, string? account)
    {
        var (f, t) = (new DateTimeOffset(DateTime.Parse(from), Beijing), new DateTimeOffset(DateTime.Parse(to), Beijing).AddDays(1));
        var inRange = counted.Where(o => o.At >= f && o.At < t && (account is null || o.Account == account)).ToList();
        var byBuyer = inRange.GroupBy(o => o.Customer).ToList();
        var cohorts = counted.GroupBy(o => o.Customer).Select(g => g.OrderBy(o => o.At).ThenBy(o => o.Id, StringComparer.Ordinal).ToList())
            .Where(g => g[0].At >= f && g[0].At < t && (account is null || g[0].Account == account))
            .GroupBy(g => g[0].At.ToOffset(Beijing).ToString("yyyy-MM")).OrderBy(m => m.Key)
            .Select(m => $"{m.Key} {m.Count()} {string.Join(' ', new[] { 30, 60, 90 }.Select(d => m.Count(g => g.Count > 1 && g[1].At <= g[0].At.AddDays(d))))}");
        return $"buyers {byBuyer.Count} repeat {byBuyer.Count(b => b.Count() >= 2)} orders {inRange.Count} amount {inRange.Sum(o => o.Amount):0.00}; {string.Join(", ", cohorts)}";
    }
}
