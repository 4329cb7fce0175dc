using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>What the tests of Matrix as a real process share: the first admin signed in, ids of what was created, a count read straight from the database.</summary>
internal static class RealProcess
{
    /// <summary>A client of <paramref name="node"/> keeping <paramref name="cookies"/> (so a session outlives a restart of the process).</summary>
    public static HttpClient Client(MatrixProcess node, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(node.Url), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Signs in as the first admin and replaces its one-time password, as a new installation's first step.</summary>
    public static async Task SignInFirstAdminAsync(HttpClient http, MatrixProcess node)
    {
        var once = node.FirstAdminPassword;
        Assert.True((await http.PostAsJsonAsync("/api/auth/sign-in", new { userName = "admin", password = once })).IsSuccessStatusCode);
        Assert.True((await http.PostAsJsonAsync("/api/me/password", new { currentPassword = once, newPassword = "the admin's own password" })).IsSuccessStatusCode);
    }

    public static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var db = NpgsqlDataSource.Create(database);
        return Convert.ToInt64(await db.CreateCommand(sql).ExecuteScalarAsync());
    }
}
