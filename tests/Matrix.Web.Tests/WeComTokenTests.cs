using System.Net.Http.Json;
using Matrix.Testing;
using Matrix.Web.WeCom;
using Matrix.WeCom.Api;
using Matrix.WeCom.Fake;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>
/// Two nodes on one database share a WeCom app's access token: forty calls at once across both fetch one token, and
/// after WeCom ends it early, forty more fetch exactly one more; every call is answered with the token WeCom accepts.
/// </summary>
public sealed class WeComTokenTests
{
    private const string CorpId = "ww_tokens_test", AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    [Fact]
    public async Task Nodes_fetch_one_token_at_a_time_between_them()
    {
        var database = await TestPostgres.CreateDatabaseAsync("wecomtokens");
        await using var nodeA = new MatrixApp(database, "node-a");
        await using var nodeB = new MatrixApp(database, "node-b");
        await using var wecom = await new FakeWeComServer(TimeProvider.System).StartAsync();
        wecom.AddCorp(new FakeCorp(CorpId, "1000002", "app-secret", "QDG6eK", AesKey));
        var admin = await nodeA.SignedInAsync();
        Assert.True((await admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "1000002", secret = "app-secret", token = "QDG6eK", aesKey = AesKey,
            apiBase = wecom.Url })).IsSuccessStatusCode);
        _ = nodeB.Services; // started

        async Task CallFromBothAsync()
        {
            var calls = new List<Task<WeComAnswer>>();
            foreach (var node in new[] { nodeA, nodeB })
            {
                var app = (await node.Services.GetRequiredService<WeComCorps>().GetAsync(CorpId))!.App;
                var client = node.Services.GetRequiredService<WeComClient>();
                calls.AddRange(Enumerable.Range(0, 20).Select(_ => Task.Run(() => client.PostAsync(app, "/cgi-bin/externalcontact/groupchat/get", new { chat_id = "wrNone" }))));
            }
            // Each call got past the token check: WeCom answers about the chat (86001), not about the token.
            Assert.All(await Task.WhenAll(calls), a => Assert.Equal(86001, a.ErrCode));
        }

        await CallFromBothAsync();
        Assert.Equal(1, wecom.TokensIssued);
        wecom.ExpireTokens();
        await CallFromBothAsync();
        Assert.Equal(2, wecom.TokensIssued);
    }
}
