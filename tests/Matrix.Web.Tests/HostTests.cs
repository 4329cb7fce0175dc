using System.Net;
using System.Xml.Linq;

namespace Matrix.Web.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task Health_checks_the_database()
    {
        await using var app = await MatrixApp.StartAsync();
        var response = await app.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_home_page_speaks_Chinese_by_default_and_English_on_request()
    {
        await using var app = await MatrixApp.StartAsync();
        var client = await app.SignedInAsync();
        var chinese = await client.GetStringAsync("/");
        Assert.Contains("lang=\"zh-CN\"", chinese);
        Assert.Contains("矩阵总览", chinese);

        var english = await client.GetStringAsync("/?culture=en");
        Assert.Contains("The matrix at a glance", english);
    }

    [Fact]
    public async Task The_OpenAPI_document_is_served()
    {
        await using var app = await MatrixApp.StartAsync();
        var json = await (await app.SignedInAsync()).GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"openapi\"", json);
        // Segments and campaigns are in it, with their request bodies.
        var paths = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/segments", "/api/segments/preview", "/api/campaigns", "/api/campaigns/{id}/results", "/api/campaigns/audience" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        Assert.Contains("CampaignRequest", json);
    }

    [Fact]
    public void Every_resource_key_exists_in_both_languages()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Matrix.Web", "Resources");
        foreach (var neutral in Directory.GetFiles(dir, "*.resx").Where(f => !f.Contains(".zh-CN.")))
        {
            var chinese = neutral.Replace(".resx", ".zh-CN.resx");
            var en = Keys(neutral);
            var zh = Keys(chinese);
            Assert.NotEmpty(en);
            Assert.Empty(en.Except(zh));
            Assert.Empty(zh.Except(en));
        }

        static HashSet<string> Keys(string file) =>
            XDocument.Load(file).Root!.Elements("data").Select(e => (string)e.Attribute("name")!).ToHashSet();
    }
}
