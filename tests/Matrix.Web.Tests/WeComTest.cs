using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Matrix.WeCom.Fake;

namespace Matrix.Web.Tests;

/// <summary>
/// A WeCom test's world: a Matrix node on a fresh database listening on a real port, the fake WeCom server, and a
/// corp's app connected to Matrix through the API (callbacks go to the node). Each test class names its database and
/// corp, and may give the node settings and the fake its own clock.
/// </summary>
public abstract class WeComTest(string database, string corpId) : IAsyncLifetime
{
    protected const string AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", Token = "QDG6eK", Secret = "app-secret", AgentId = "1000002";
    protected string CorpId { get; } = corpId;
    protected MatrixApp _app = null!;
    protected HttpClient _admin = null!;
    protected FakeWeComServer _wecom = null!;
    protected string _address = "";

    /// <summary>The node's settings beyond the defaults (Matrix:...).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>The fake WeCom server's clock.</summary>
    protected virtual TimeProvider WeComTime => TimeProvider.System;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync(database));
        foreach (var (key, value) in Settings) _app.RateLimits[key] = value;
        _address = _app.StartKestrel();
        _admin = await _app.SignedInAsync();
        _wecom = await new FakeWeComServer(WeComTime).StartAsync();
        _wecom.AddCorp(new FakeCorp(CorpId, AgentId, Secret, Token, AesKey) { CallbackUrl = $"{_address}/wecom/callback/{CorpId}" });
        var saved = await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = AgentId, secret = Secret, token = Token, aesKey = AesKey, apiBase = _wecom.Url });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _wecom.DisposeAsync();
        await _app.DisposeAsync();
    }

    protected static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Waits (two minutes at most) until <paramref name="condition"/> holds, else fails with <paramref name="failure"/>.</summary>
    protected static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }
}
