using System.Net;
using System.Net.Http.Json;
using Matrix.Testing;

namespace Matrix.Web.Tests;

/// <summary>
/// Two real Matrix processes on one database, as docker-compose runs them, with the first admin signed in (with a
/// password of their own) through one cookie that both nodes read.
/// </summary>
public sealed class NodePair : IAsyncDisposable
{
    private NodePair(MatrixProcess one, MatrixProcess two, CookieContainer cookies)
    {
        (One, Two) = (one, two);
        ToOne = Client(one, cookies);
        ToTwo = Client(two, cookies);
    }

    public MatrixProcess One { get; }

    public MatrixProcess Two { get; }

    public HttpClient ToOne { get; }

    public HttpClient ToTwo { get; }

    public static async Task<NodePair> StartAsync(string connectionString, IReadOnlyDictionary<string, string> environment)
    {
        var one = await MatrixProcess.StartAsync(connectionString, environment);
        var two = await MatrixProcess.StartAsync(connectionString, environment);
        var pair = new NodePair(one, two, new CookieContainer());
        var once = one.FirstAdminPassword ?? two.FirstAdminPassword;
        var signIn = await pair.ToOne.PostAsJsonAsync("/api/auth/sign-in", new { userName = "admin", password = once });
        Assert.True(signIn.IsSuccessStatusCode, await signIn.Content.ReadAsStringAsync());
        var own = await pair.ToOne.PostAsJsonAsync("/api/me/password", new { currentPassword = once, newPassword = "the admin's own password" });
        Assert.True(own.IsSuccessStatusCode, await own.Content.ReadAsStringAsync());
        return pair;
    }

    private static HttpClient Client(MatrixProcess node, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(node.Url), Timeout = TimeSpan.FromSeconds(20) };

    public async ValueTask DisposeAsync()
    {
        ToOne.Dispose();
        ToTwo.Dispose();
        await One.DisposeAsync();
        await Two.DisposeAsync();
    }
}
