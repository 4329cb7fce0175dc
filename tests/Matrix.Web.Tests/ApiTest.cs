using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>A test class with its own Matrix node on a fresh database, and an HTTP client to it.</summary>
public abstract class ApiTest : IAsyncLifetime
{
    protected MatrixApp App { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await MatrixApp.StartAsync();
        Http = App.CreateClient();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>POSTs and returns the new resource's id, failing with the server's answer if it was not created.</summary>
    protected async Task<string> CreateAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
