using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;

namespace Matrix.Web.Tests;

/// <summary>
/// A browser test's node: a fresh database, the node listening on a real port (Chromium's address), and an admin's
/// HTTP client that sets up what the test's story starts from.
/// </summary>
public abstract class ConsoleTest(string database) : IAsyncLifetime
{
    protected MatrixApp _app = null!;
    protected string _address = "";
    protected HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync(database));
        _address = _app.StartKestrel();
        _admin = await _app.SignedInAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>The new resource's id, failing with the server's answer if it was not created.</summary>
    protected static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
