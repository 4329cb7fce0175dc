using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Grains;
using Matrix.Grains.Demo;
using Matrix.Grains.Reports;
using Matrix.Testing;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// The customer list read page by page from customer_index (one row per customer, kept by the ledger's trigger and
/// the customer grain): the same customers as a direct query over the friendships, in arrival order, no page
/// overlapping another, for an admin and for one team, whatever is typed.
/// </summary>
public sealed class CustomerListTests : IAsyncLifetime
{
    private MatrixApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("list"));
        await _app.SignedInAsync();
        await _app.Services.GetRequiredService<DemoMatrix>().LoadAsync(customers: 300);
        // Two of the demo's accounts are the north team's: a lead sees their customers only.
        foreach (var entry in await _app.Services.GetRequiredService<Matrix.Grains.MatrixDirectory>().AccountsAsync(ids: ["a-demo-lin-optics-01", "a-demo-angie-style-02"]))
        {
            var p = entry.Profile;
            await _app.Services.GetRequiredService<IGrainFactory>().Get<Matrix.Grains.Accounts.IAccountGrain>(entry.Id)
                .Update(new(p.WeChatId, p.Kind, p.Level, p.Operator, p.QrCodeUrl, p.Capacity, p.Roster, "north"), "test");
        }
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("")]
    [InlineData("wx_demo_0001")]   // part of the WeChat ID
    [InlineData("王")]             // part of a name
    [InlineData("139")]            // part of a phone
    [InlineData("到店")]           // a channel's tag
    [InlineData("100%_")]          // typed wildcards are text
    public async Task Every_page_together_is_exactly_what_a_direct_query_finds_in_arrival_order(string text)
    {
        foreach (var user in new[] { People.Signed("root", OperatorRole.Admin, null), People.Signed("lead", OperatorRole.Lead, "north") })
        {
            var visible = (await _app.Services.GetRequiredService<AccessService>().VisibleAccountsAsync(user)).Select(a => a.Id).ToArray();
            var expected = await DirectAsync(visible, text);
            if (text == "") Assert.True(expected.Count > (user.IsInRole("Admin") ? 250 : 20), "the list has something to page through");

            var desk = _app.Services.GetRequiredService<CustomerDesk>();
            var seen = new List<CustomerRow>();
            CustomerCursor? at = null;
            CustomerRows? first = null;
            do
            {
                var page = await desk.PageAsync(user, text, at, 20);
                first ??= page;
                Assert.True(page.Rows.Count <= 20);
                seen.AddRange(page.Rows);
                at = page.Next;
            }
            while (at is not null);

            Assert.Equal(expected, seen.Select(r => r.Hit.Id).ToList());
            // Counted exactly up to the limit (ten thousand browsing, a thousand searching), then "over" it.
            var limit = text == "" ? CustomerSearch.CountLimit : CustomerSearch.SearchCountLimit;
            Assert.Equal(Math.Min(expected.Count, limit), first!.Total);
            Assert.Equal(expected.Count >= limit, first.TotalIsLowerBound);
            Assert.Equal(seen.OrderByDescending(r => r.Hit.FirstAddedAt).ThenByDescending(r => r.Hit.Id, StringComparer.Ordinal).Select(r => r.Hit.Id), seen.Select(r => r.Hit.Id));
        }
    }

    [Fact]
    public async Task A_friend_added_shows_at_the_top_with_its_channel_and_a_re_add_keeps_the_first_arrival()
    {
        var events = _app.Services.GetRequiredService<Matrix.Grains.Capacity.FriendEventService>();
        var now = DateTimeOffset.UtcNow;
        await events.AddedAsync(new("a-demo-lin-optics-01", "wx_new_top", now, "evt-top", "table-card"));
        var desk = _app.Services.GetRequiredService<CustomerDesk>();
        var first = (await desk.PageAsync(People.Signed("root", OperatorRole.Admin, null), "", null, 5)).Rows[0];
        Assert.Equal(("wx_new_top", "验光台桌卡"), (first.Hit.Id, first.ChannelName));

        await events.DeletedAsync(new("a-demo-lin-optics-01", "wx_new_top", now.AddSeconds(1), "evt-top-del"));
        await events.AddedAsync(new("a-demo-lin-optics-02", "wx_new_top", now.AddSeconds(2), "evt-top-2", "partner-shop"));
        var again = (await desk.PageAsync(People.Signed("root", OperatorRole.Admin, null), "wx_new_top", null, 5)).Rows.Single();
        Assert.Equal(now.ToUnixTimeMilliseconds(), again.Hit.FirstAddedAt.ToUnixTimeMilliseconds());
        Assert.Equal("table-card", again.Hit.Channel);
        Assert.Equal(["lin_optics_02"], again.Owners);
        // Found by the second channel's tag too.
        Assert.Contains((await desk.PageAsync(People.Signed("root", OperatorRole.Admin, null), "异业合作", null, 400)).Rows, r => r.Hit.Id == "wx_new_top");
    }

    // The list as the old query read it: every friendship of the visible accounts, grouped by customer.
    private async Task<List<string>> DirectAsync(string[] accounts, string text)
    {
        await using var db = new NpgsqlConnection(_app.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            select f.external_id from account_friends f left join customer_index c on c.id = f.external_id
             where f.account_id = any($1)
               and ($2 = '' or f.external_id ilike $3 or c.search_text ilike $3 or array_to_string(f.channel_tags, ' ') ilike $3)
             group by f.external_id
             order by (select min(added_at) from account_friends g where g.external_id = f.external_id) desc, f.external_id desc
            """, db);
        cmd.Parameters.Add(new() { Value = accounts });
        cmd.Parameters.Add(new() { Value = text });
        cmd.Parameters.Add(new() { Value = "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%" });
        var ids = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) ids.Add(r.GetString(0));
        return ids;
    }
}
