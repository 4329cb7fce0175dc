using System.Net;
using System.Net.Http.Json;
using Matrix.Domain.Access;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>Sessions end everywhere: two nodes on one database, a cookie from one used on the other.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private MatrixApp _one = null!, _two = null!;

    public async Task InitializeAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync("sessions");
        _one = new MatrixApp(database, "node-one");
        _two = new MatrixApp(database, "node-two");
        _one.CreateClient();
        _two.CreateClient();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _one.DisposeAsync();
        await _two.DisposeAsync();
    }

    /// <summary>Signs in on node one and returns the cookie header, to be sent to node two as well.</summary>
    private async Task<string> SignInOnOneAsync(string userName, string password = MatrixApp.Password)
    {
        var client = _one.CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/sign-in", new { userName, password });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }

    private static async Task<HttpStatusCode> MeAsync(MatrixApp node, string cookie)
    {
        var client = node.CreateClient(new() { HandleCookies = false });
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add("Cookie", cookie);
        return (await client.SendAsync(request)).StatusCode;
    }

    /// <summary>Waits (briefly: a node trusts what it read of a session for a few seconds) until node two refuses the cookie.</summary>
    private static async Task RefusedAsync(MatrixApp node, string cookie)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await MeAsync(node, cookie) != HttpStatusCode.Unauthorized)
        {
            Assert.True(DateTime.UtcNow < limit, "the ended session still works on the other node");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_other_node()
    {
        await _one.SignedInAsync("op-out", OperatorRole.Operator, "north");
        var cookie = await SignInOnOneAsync("op-out");
        Assert.Equal(HttpStatusCode.OK, await MeAsync(_two, cookie));

        var client = _one.CreateClient(new() { HandleCookies = false });
        var signOut = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-out");
        signOut.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(signOut)).StatusCode);
        await RefusedAsync(_two, cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(_one, cookie));
    }

    [Fact]
    public async Task A_password_change_ends_every_other_session_and_keeps_its_own()
    {
        await _one.SignedInAsync("op-pw", OperatorRole.Operator, "north");
        var stolen = await SignInOnOneAsync("op-pw");
        var mine = await SignInOnOneAsync("op-pw");

        var client = _two.CreateClient(new() { HandleCookies = false });
        var change = new HttpRequestMessage(HttpMethod.Post, "/api/me/password") { Content = JsonContent.Create(new { currentPassword = MatrixApp.Password, newPassword = "a brand new password" }) };
        change.Headers.Add("Cookie", mine);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(change)).StatusCode);

        await RefusedAsync(_one, stolen);
        await RefusedAsync(_two, stolen);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(_one, mine));
    }

    [Fact]
    public async Task Disabling_an_operator_ends_their_sessions_and_sign_in_until_enabled_all_audited()
    {
        var admin = await _one.SignedInAsync();
        await _one.SignedInAsync("op-off", OperatorRole.Operator, "north");
        var cookie = await SignInOnOneAsync("op-off");
        Assert.Equal(HttpStatusCode.OK, await MeAsync(_two, cookie));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync("/api/operators/op-off/disable", null)).StatusCode);
        await RefusedAsync(_two, cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _two.CreateClient().PostAsJsonAsync("/api/auth/sign-in", new { userName = "op-off", password = MatrixApp.Password })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync("/api/operators/op-off/enable", null)).StatusCode);
        var again = await SignInOnOneAsync("op-off");
        Assert.Equal(HttpStatusCode.OK, await MeAsync(_two, again));

        // A new role takes effect at the next sign-in: the sessions end now.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("/api/operators/op-off/role", new { role = "Lead", team = "north" })).StatusCode);
        await RefusedAsync(_two, again);
        var lead = await SignInOnOneAsync("op-off");
        var me = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        me.Headers.Add("Cookie", lead);
        Assert.Equal("Lead", (await (await _two.CreateClient(new() { HandleCookies = false }).SendAsync(me)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("role").GetString());

        // A reset password is one-time; "end sessions" ends them.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/operators/op-off/password", new { password = "a temporary password" })).StatusCode);
        await RefusedAsync(_two, lead);
        var reset = await SignInOnOneAsync("op-off", "a temporary password");
        var blocked = _two.CreateClient(new() { HandleCookies = false });
        var personas = new HttpRequestMessage(HttpMethod.Get, "/api/personas");
        personas.Headers.Add("Cookie", reset);
        Assert.Equal(HttpStatusCode.Forbidden, (await blocked.SendAsync(personas)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync("/api/operators/op-off/sessions/end", null)).StatusCode);
        await RefusedAsync(_two, reset);

        var audit = await admin.GetStringAsync("/api/audit?limit=50");
        foreach (var action in new[] { "operator.disabled", "operator.enabled", "operator.role", "operator.password-reset", "operator.sessions-ended" }) Assert.Contains(action, audit);
    }
}
