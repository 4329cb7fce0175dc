using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Domain.Groups;
using Matrix.Testing;
using Matrix.WeCom.Fake;

namespace Matrix.Web.Tests;

/// <summary>
/// A group code of WeCom groups is a join way, against the fake WeCom server over real HTTP: it lists the groups
/// below their soft full by WeCom's own counts (read on each member callback), always says auto_create_room, links
/// the groups WeCom opens when all are full, takes a group back when members leave, closes a dismissed one, catches
/// joins no callback told of when counted (on request or by the sweep), and with auto-create off shows the full page
/// and asks a person for a group.
/// </summary>
public sealed class WeComGroupCodeTests : IAsyncLifetime
{
    private const string CorpId = "ww_groups_test", Owner = "linxiao";
    private MatrixApp _app = null!;
    private HttpClient _admin = null!;
    private FakeWeComServer _wecom = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(string sweep = "01:00:00")
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("wecomgroups")) { RateLimits = { ["Matrix:WeComGroupSweep"] = sweep } };
        var address = _app.StartKestrel();
        _admin = await _app.SignedInAsync();
        _wecom = await new FakeWeComServer(TimeProvider.System) { GroupCapacity = 30 }.StartAsync();
        _wecom.AddCorp(new FakeCorp(CorpId, "1000002", "app-secret", "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C") { CallbackUrl = $"{address}/wecom/callback/{CorpId}" });
        Assert.True((await _admin.PutAsJsonAsync($"/api/wecom/corps/{CorpId}", new { agentId = "1000002", secret = "app-secret", token = "QDG6eK",
            aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", apiBase = _wecom.Url })).IsSuccessStatusCode);
    }

    public async Task DisposeAsync()
    {
        if (_wecom is not null) await _wecom.DisposeAsync();
        if (_app is not null) await _app.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_burst_of_joins_never_finds_a_full_group_listed_and_every_group_WeCom_opens_is_linked(bool weComListsTheNewGroup)
    {
        await StartAsync();
        _wecom.AddAutoCreatedToList = weComListsTheNewGroup;
        var (code, account) = await CodeAsync();
        var a = await _wecom.CreateGroupAsync(CorpId, Owner, "小林福利群1");
        var b = await _wecom.CreateGroupAsync(CorpId, Owner, "小林福利群2");

        // Bad set-ups change nothing: auto-create left unsaid, a chat WeCom does not know.
        await ApiTest.AssertProblemAsync(await _admin.PutAsJsonAsync($"/api/group-codes/{code}/join-way", new { corpId = CorpId, chatIds = new[] { a } }), "autoCreateRoom");
        await ApiTest.AssertProblemAsync(await _admin.PutAsJsonAsync($"/api/group-codes/{code}/join-way",
            new { corpId = CorpId, autoCreateRoom = true, roomBaseName = "小林福利群", chatIds = new[] { a, "wrNoSuchChat" } }), "chatIds");
        await ApiTest.AssertProblemAsync(await _admin.PutAsJsonAsync($"/api/group-codes/{code}/join-way",
            new { corpId = "ww_unknown", autoCreateRoom = true, roomBaseName = "小林福利群", chatIds = new[] { a } }), "corpId");
        var untouched = await GetAsync(code);
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("joinWay").ValueKind);
        Assert.Empty(untouched.GetProperty("groups").EnumerateArray());

        var set = await _admin.PutAsJsonAsync($"/api/group-codes/{code}/join-way",
            new { corpId = CorpId, autoCreateRoom = true, roomBaseName = "小林福利群", roomBaseId = 3, capacity = 30, softFull = 25, chatIds = new[] { a, b } });
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        var way = (await GetAsync(code)).GetProperty("joinWay");
        Assert.Equal([a, b], way.GetProperty("listed").EnumerateArray().Select(c => c.GetString()));
        var configId = way.GetProperty("configId").GetString()!;
        Assert.Equal($"g.{code}", _wecom.JoinWay(configId)!.State);
        Assert.StartsWith(_wecom.Url, way.GetProperty("qrCode").GetString());

        // 140 customers scan at once, 16 at a time: WeCom fills the listed groups and opens new ones when all are full.
        await Parallel.ForEachAsync(Enumerable.Range(0, 140), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            Assert.NotNull(await _wecom.JoinAsync(configId, $"wmJoin{i:D3}")));
        await SettledAsync(code);

        var chats = _wecom.Chats(CorpId);
        Assert.Equal(140, chats.Sum(c => c.Members));
        Assert.All(chats, c => Assert.InRange(c.Members, 0, 30));
        Assert.True(chats.Count >= 5, $"{chats.Count} groups for 140 people in groups of 30");
        var view = await GetAsync(code);
        var groups = view.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(chats.Select(c => c.ChatId).Order(), groups.Select(g => g.GetProperty("chatId").GetString()!).Order());
        var history = await HistoryAsync(code);
        foreach (var opened in chats.Where(c => c.ChatId != a && c.ChatId != b))
        {
            Assert.StartsWith("小林福利群", opened.Name);
            Assert.Contains(history, h => h.Event == "linked" && h.Detail == "auto-created" && h.Group == GroupId(groups, opened.ChatId));
        }
        Assert.Contains(history, h => h.Event == "unlisted" && h.Group == GroupId(groups, a));

        // Every way Matrix sent said auto_create_room and named the code in its state, and never listed more than five.
        Assert.All(_wecom.JoinWayRequests, r =>
        {
            Assert.NotNull(r["auto_create_room"]);
            Assert.Equal($"g.{code}", r["state"]!.GetValue<string>());
            Assert.InRange(r["chat_id_list"]!.AsArray().Count, 1, JoinWayRules.MaxChats);
        });

        // Six leave a full group: back below its soft full, it is listed again.
        foreach (var member in _wecom.MemberIds(a).Take(6).ToList()) await _wecom.LeaveAsync(a, member);
        await SettledAsync(code);
        Assert.Contains(a, (await GetAsync(code)).GetProperty("joinWay").GetProperty("listed").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains(await HistoryAsync(code), h => h.Event == "listed" && h.Group == GroupId(groups, a) && h.Detail == "members");

        // The owner dismisses a group: closed in Matrix, off the list, never counted again.
        var last = chats[^1].ChatId;
        await _wecom.DismissAsync(last);
        await UntilAsync(async () => (await GetAsync(code)).GetProperty("groups").EnumerateArray()
            .Any(g => g.GetProperty("chatId").GetString() == last && g.GetProperty("closedAt").ValueKind != JsonValueKind.Null), "the dismissed group is not closed");
        await SettledAsync(code);

        // With auto-create turned off, said to WeCom, and every group filled: the page is the polite full page and a person is asked for a group.
        Assert.True((await _admin.PutAsJsonAsync($"/api/group-codes/{code}/join-way",
            new { corpId = CorpId, autoCreateRoom = false, capacity = 30, softFull = 25 })).IsSuccessStatusCode);
        Assert.False(_wecom.JoinWay(configId)!.AutoCreateRoom);
        Assert.Equal(0, _wecom.JoinWayRequests.Last()["auto_create_room"]!.GetValue<int>());
        var page = await _admin.GetStringAsync($"/g/{code}");
        Assert.Contains("data-group=\"join-way\"", page);
        // Matrix lists the roomiest group while none is below its soft full, so people keep coming until every group is at capacity.
        for (var i = 0; ; i++)
        {
            await SettledAsync(code);
            if (await _wecom.JoinAsync(configId, $"wmMore{i:D3}") is null) break;
        }
        Assert.Contains("data-state=\"full\"", await _admin.GetStringAsync($"/g/{code}"));
        Assert.True((await GetAsync(code)).GetProperty("allFull").GetBoolean());
        Assert.Single((await _admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{account}/tasks")).EnumerateArray(), t => t.GetProperty("kind").GetString() == "group");
    }

    [Fact]
    public async Task Joins_no_callback_told_of_are_caught_by_a_count_on_request_and_by_the_sweep()
    {
        await StartAsync(sweep: "00:00:01");
        var (code, _) = await CodeAsync();
        var a = await _wecom.CreateGroupAsync(CorpId, Owner, "小林福利群1");
        var b = await _wecom.CreateGroupAsync(CorpId, Owner, "小林福利群2");
        Assert.True((await _admin.PutAsJsonAsync($"/api/group-codes/{code}/join-way",
            new { corpId = CorpId, autoCreateRoom = false, capacity = 30, softFull = 10, chatIds = new[] { a, b } })).IsSuccessStatusCode);
        var configId = (await GetAsync(code)).GetProperty("joinWay").GetProperty("configId").GetString()!;

        // Twelve join and WeCom's callbacks are lost: the sweep reads WeCom's count and takes the group off the list.
        for (var i = 0; i < 12; i++) Assert.Equal(a, await _wecom.JoinAsync(configId, $"wmQuiet{i}", notify: false));
        await UntilAsync(async () => (await GetAsync(code)).GetProperty("joinWay").GetProperty("listed").EnumerateArray().Select(c => c.GetString()).SequenceEqual([b]),
            "the sweep did not unlist the group filled without callbacks");
        Assert.Equal(12, (await GetAsync(code)).GetProperty("groups").EnumerateArray().First(g => g.GetProperty("chatId").GetString() == a).GetProperty("members").GetInt32());
        Assert.Equal([b], _wecom.JoinWay(configId)!.ChatIds);

        // Counting on request does the same at once.
        for (var i = 0; i < 10; i++) await _wecom.JoinAsync(configId, $"wmQuietB{i}", notify: false);
        var counted = await (await _admin.PostAsync($"/api/group-codes/{code}/count", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(counted.GetProperty("allFull").GetBoolean());
    }

    private async Task<(string Code, string Account)> CodeAsync()
    {
        var persona = await IdAsync(await _admin.PostAsJsonAsync("/api/personas", new { nickname = "企微小林" }));
        var account = await IdAsync(await _admin.PostAsJsonAsync("/api/accounts", new { personaId = persona, role = "Service", status = "Active", settings = new { weChatId = Owner, kind = "WeCom" } }));
        return (await IdAsync(await _admin.PostAsJsonAsync("/api/group-codes", new { name = "小林福利群活码", personaId = persona })), account);
    }

    // Matrix has counted what WeCom holds, and its way lists what the rules make of those counts.
    private async Task SettledAsync(string code) => await UntilAsync(async () =>
    {
        var view = await GetAsync(code);
        var open = view.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("closedAt").ValueKind == JsonValueKind.Null).ToList();
        var known = _wecom.Chats(CorpId).ToDictionary(c => c.ChatId, c => c.Members);
        if (open.Any(g => !known.TryGetValue(g.GetProperty("chatId").GetString()!, out var n) || n != g.GetProperty("members").GetInt32())) return false;
        if (known.Keys.Except(view.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("chatId").GetString()!)).Any()) return false;
        var expected = JoinWayRules.ChatList(open.Select(g => new JoinWayGroup(g.GetProperty("chatId").GetString()!,
            new GroupState(g.GetProperty("id").GetString()!, 30, g.GetProperty("softFull").GetInt32(), g.GetProperty("members").GetInt32(), null, false))));
        var listed = view.GetProperty("joinWay").GetProperty("listed").EnumerateArray().Select(c => c.GetString()!).ToList();
        return expected.Count == 0 || (listed.SequenceEqual(expected) && _wecom.JoinWay(view.GetProperty("joinWay").GetProperty("configId").GetString()!)!.ChatIds.SequenceEqual(expected));
    }, "Matrix's counts and list did not settle on WeCom's");

    private static string GroupId(List<JsonElement> groups, string chatId) => groups.First(g => g.GetProperty("chatId").GetString() == chatId).GetProperty("id").GetString()!;

    private async Task<JsonElement> GetAsync(string code) => await _admin.GetFromJsonAsync<JsonElement>($"/api/group-codes/{code}");

    private async Task<List<(string Group, string Event, string? Detail)>> HistoryAsync(string code) =>
        [.. (await _admin.GetFromJsonAsync<JsonElement>($"/api/group-codes/{code}/history")).EnumerateArray()
            .Select(h => (h.GetProperty("groupId").GetString()!, h.GetProperty("event").GetString()!, h.GetProperty("detail").GetString()))];

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
