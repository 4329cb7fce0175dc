using System.Net.Http.Json;
using Matrix.Grains.Changes;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>The console's live updates cross nodes: a friend confirmed through one node is heard by another's pages.</summary>
public sealed class ChangeFeedTests
{
    [Fact]
    public async Task A_friend_confirmed_on_one_node_is_announced_to_the_other()
    {
        var database = await TestPostgres.CreateDatabaseAsync("feed");
        await using var nodeA = new MatrixApp(database, "node-a");
        await using var nodeB = new MatrixApp(database, "node-b");
        var admin = await nodeA.SignedInAsync();
        _ = nodeB.Services; // node B starts and listens

        var heard = new TaskCompletionSource<ChangeTopics>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodeB.Services.GetRequiredService<ChangeFeed>().Changed += topics =>
        {
            if (topics.HasFlag(ChangeTopics.Tasks)) heard.TrySetResult(topics);
        };

        var persona = await (await admin.PostAsJsonAsync("/api/personas", new { nickname = "小林" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var account = await (await admin.PostAsJsonAsync("/api/accounts", new
        {
            personaId = persona.GetProperty("id").GetString(), role = "Sales", status = "Active",
            settings = new { weChatId = "wx_lin", kind = "PersonalWeChat" },
        })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var channel = await admin.PostAsJsonAsync("/api/channels", new { id = "table", channel = new { name = "桌卡", personaId = persona.GetProperty("id").GetString(), state = "t1", welcomeScript = "你好呀" } });
        Assert.True(channel.IsSuccessStatusCode, await channel.Content.ReadAsStringAsync());
        var added = await admin.PostAsJsonAsync("/api/events/friend-added",
            new { accountId = account.GetProperty("id").GetString(), externalId = "wx-wang", channel = "table", at = DateTimeOffset.UtcNow, idempotencyKey = "k1" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());

        // The add changes the ledger and writes the channel's welcome task (only a task write announces Tasks):
        // node B hears both kinds, without a request of its own.
        var topics = await heard.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(topics.HasFlag(ChangeTopics.Accounts), $"heard {topics}");
    }
}
