using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// The limits in front of what anyone can call, with the default settings, on a real Kestrel port. Client addresses
/// are told by X-Forwarded-For, which the node believes from loopback (its default trusted proxy): two "addresses"
/// from one test. The limits' period is an hour here, not the default minute: a script of 500 requests on a busy
/// machine can outlast a minute, and the bucket refilled at its end would let it through again, as it should.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private MatrixApp _app = null!;
    private string _address = "";

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("limits")) { RateLimits = new() { ["Matrix:RateLimits:Period"] = "01:00:00" } };
        _address = _app.StartKestrel();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient From(string clientAddress, bool cookies = false)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(_address) };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        return client;
    }

    private async Task<string> SeedAsync()
    {
        var admin = await _app.SignedInAsync();
        async Task<string> Create(string path, object body)
        {
            var response = await admin.PostAsJsonAsync(path, body);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        var persona = await Create("/api/personas", new { nickname = "小林" });
        await Create("/api/accounts", new { personaId = persona, role = "Traffic", status = "Active",
            settings = new { weChatId = "wx_limits", kind = "PersonalWeChat", qrCodeUrl = "/qr/a.png", capacity = new { hardCap = 2000, softCap = 1500, reserve = 0, dailyBudget = (int?)null } } });
        return await Create("/api/channels", new { id = "table", channel = new { name = "桌卡", personaId = persona, state = "table" } });
    }

    private async Task<long> ReservedAsync()
    {
        await using var db = new NpgsqlConnection(_app.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("select coalesce(sum(reserved), 0) from account_ledger", db);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_script_of_500_scans_from_one_address_holds_no_more_than_the_limit_and_a_customer_elsewhere_still_gets_a_code()
    {
        var channel = await SeedAsync();
        using var script = From("203.0.113.5");
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 500; i++) answers.Add(await script.GetAsync($"/c/{channel}"));

        var served = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(20, served); // Matrix:RateLimits:LiveCodePerAddress
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) > 0);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(20, await ReservedAsync());

        using var customer = From("198.51.100.7");
        var scan = await customer.GetAsync($"/c/{channel}");
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        Assert.Contains("/qr/a.png", await scan.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_same_browser_scanning_again_keeps_its_hold()
    {
        var channel = await SeedAsync();
        using var browser = From("198.51.100.8", cookies: true);
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/c/{channel}")).StatusCode);
        Assert.Equal(1, await ReservedAsync());
        using var other = From("198.51.100.9", cookies: true);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/c/{channel}")).StatusCode);
        Assert.Equal(2, await ReservedAsync());
    }

    [Fact]
    public async Task Failed_sign_ins_from_one_address_do_not_lock_the_admin_out_elsewhere()
    {
        await _app.SignedInAsync("boss");
        using var attacker = From("203.0.113.9");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++) codes.Add((await attacker.PostAsJsonAsync("/api/auth/sign-in", new { userName = "boss", password = "guess " + i })).StatusCode);
        Assert.All(codes.Take(10), c => Assert.Equal(HttpStatusCode.Unauthorized, c));
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]); // Matrix:RateLimits:SignInPerAddress
        // The attacker's address is locked for the user name, even with the right password...
        using var attackerLater = From("203.0.113.10");
        for (var i = 0; i < 5; i++) await attackerLater.PostAsJsonAsync("/api/auth/sign-in", new { userName = "boss", password = "again " + i });
        Assert.Equal(HttpStatusCode.Unauthorized, (await attackerLater.PostAsJsonAsync("/api/auth/sign-in", new { userName = "boss", password = MatrixApp.Password })).StatusCode);
        // ...and the admin, at the office, signs in.
        using var office = From("198.51.100.20");
        Assert.Equal(HttpStatusCode.OK, (await office.PostAsJsonAsync("/api/auth/sign-in", new { userName = "boss", password = MatrixApp.Password })).StatusCode);
    }
}
