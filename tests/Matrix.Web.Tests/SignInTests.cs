using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Matrix.Domain.Access;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

public sealed class SignInTests
{
    [Fact]
    public async Task The_first_start_prints_a_one_time_admin_password_once_and_keeps_only_its_hash()
    {
        var database = await TestPostgres.CreateDatabaseAsync("web");
        string password;
        await using (var first = MatrixApp.OnDatabase(database))
        {
            first.CreateClient(); // starts the node
            var line = Assert.Single(first.Logs, l => l.Contains("one-time password"));
            password = Regex.Match(line, "one-time password (\\S+)").Groups[1].Value;
            Assert.True(password.Length >= 16, line);

            var client = first.CreateClient(new() { AllowAutoRedirect = false });
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "admin", password })).StatusCode);
            Assert.Equal("Admin", (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me")).GetProperty("role").GetString());

            // The one-time password is good for one thing: setting a password of one's own.
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/personas")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/operators", new { userName = "sneaky", role = "Admin", password = "0123456789ab" })).StatusCode);
            Assert.Equal("/team", (await client.GetAsync("/accounts")).Headers.Location?.ToString());
            Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/me/password", new { currentPassword = password, newPassword = "my own long password" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/personas")).StatusCode);
        }
        await using (var second = MatrixApp.OnDatabase(database))
        {
            second.CreateClient();
            Assert.DoesNotContain(second.Logs, l => l.Contains("one-time password")); // an admin exists: nothing new, nothing printed
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*), string_agg(password_hash, '') from operators", connection);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        Assert.Equal(1L, r.GetInt64(0));
        Assert.DoesNotContain(password, r.GetString(1));
    }

    [Fact]
    public async Task Return_urls_go_to_local_paths_only_and_never_fail()
    {
        await using var app = await MatrixApp.StartAsync();
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var hostile in new[] { "/\\evil.example", "//evil.example", "https://evil.example/", "" })
        {
            var response = await client.GetAsync("/culture/en?returnUrl=" + Uri.EscapeDataString(hostile));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/", response.Headers.Location?.ToString());
        }
        var local = await client.GetAsync("/culture/en?returnUrl=" + Uri.EscapeDataString("/accounts?role=Sales"));
        Assert.Equal("/accounts?role=Sales", local.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Repeated_failures_lock_an_operator_for_a_while()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await MatrixApp.StartAsync(clock);
        await app.SignedInAsync("op-1", OperatorRole.Operator, "north");
        var client = app.CreateClient();
        Task<HttpResponseMessage> SignIn(string password) => client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "op-1", password });

        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn("wrong password " + i)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(MatrixApp.Password)).StatusCode); // locked: even the right password
        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(MatrixApp.Password)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await SignIn(MatrixApp.Password)).StatusCode);
    }

    [Fact]
    public async Task An_operator_changes_their_password_and_signs_out()
    {
        await using var app = await MatrixApp.StartAsync();
        var client = await app.SignedInAsync("op-2", OperatorRole.Operator, "north");
        var tooShort = await client.PostAsJsonAsync("/api/me/password", new { currentPassword = MatrixApp.Password, newPassword = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.Contains("newPassword", await tooShort.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/me/password", new { currentPassword = "not it at all", newPassword = "a much longer password" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/me/password", new { currentPassword = MatrixApp.Password, newPassword = "a much longer password" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/sign-out", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        var fresh = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.PostAsJsonAsync("/api/auth/sign-in", new { userName = "op-2", password = MatrixApp.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.PostAsJsonAsync("/api/auth/sign-in", new { userName = "op-2", password = "a much longer password" })).StatusCode);
    }

    [Fact]
    public async Task Only_an_admin_makes_operators_and_a_bad_one_is_refused_by_field()
    {
        await using var app = await MatrixApp.StartAsync();
        var admin = await app.SignedInAsync();
        var bad = await admin.PostAsJsonAsync("/api/operators", new { userName = "x", role = "Lead", password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var body = await bad.Content.ReadAsStringAsync();
        Assert.True(body.Contains("userName"), body);
        Assert.Contains("team", body);
        Assert.Contains("password", body);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/operators", new { userName = "lead-1", role = "Lead", team = "north", password = "0123456789ab" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/operators", new { userName = "lead-1", role = "Lead", team = "north", password = "0123456789ab" })).StatusCode);

        var lead = app.CreateClient();
        await lead.PostAsJsonAsync("/api/auth/sign-in", new { userName = "lead-1", password = "0123456789ab" });
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.PostAsJsonAsync("/api/operators", new { userName = "lead-2", role = "Admin", password = "0123456789ab" })).StatusCode);
    }
}
