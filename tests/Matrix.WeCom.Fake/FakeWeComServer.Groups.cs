using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>A customer group in the fake: its owner and who joined, with the join way's state they came by.</summary>
public sealed record FakeChat(string CorpId, string ChatId, string Name, string Owner, DateTimeOffset CreatedAt)
{
    public List<(string ExternalUserId, string? State, DateTimeOffset JoinedAt)> Members { get; } = [];
}

/// <summary>A 「加入群聊」 join way as WeCom keeps it (its list replaced whole by an update).</summary>
public sealed record FakeJoinWay(string CorpId, string ConfigId, int Scene, bool AutoCreateRoom, string? RoomBaseName, int RoomBaseId, IReadOnlyList<string> ChatIds, string? State)
{
    public int NextRoomId { get; set; } = RoomBaseId;
}

/// <summary>
/// Customer groups and join ways (WECOM.md §1.13): <c>groupchat/get</c>, <c>add/get/update/del_join_way</c> with the
/// five-group cap, <c>state</c> within 30 characters, <c>auto_create_room</c> defaulting to on when a request leaves it
/// out (WeCom's default, which is why Matrix always sends it), and the contact-way quota (41045) the ways share.
/// A person joining through a way goes to its first listed group below WeCom's capacity; with every listed group at
/// capacity, a way that auto-creates opens a group named after its base name and sequence (and, when
/// <see cref="AddAutoCreatedToList"/>, adds it to its list: WeCom does not document which). The group callbacks
/// (<c>change_external_chat</c>: create, add_member, del_member, dismiss) go to the corp as the contact ones do.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly Lock _groups = new();
    private readonly Dictionary<string, FakeChat> _chats = [];
    private readonly Dictionary<string, FakeJoinWay> _ways = [];
    private int _chatSequence;

    /// <summary>How many may be in one group: 500 for a member's group on WeCom; a test sets less to fill groups quickly.</summary>
    public int GroupCapacity { get; set; } = 500;

    /// <summary>Whether a group WeCom opens for a full join way joins the way's list (undocumented; both are tested).</summary>
    public bool AddAutoCreatedToList { get; set; } = true;

    /// <summary>API-created contact ways and join ways left in the corp's quota (WeCom: 500,000 shared).</summary>
    public int ContactWayQuota { get; set; } = 500_000;

    /// <summary>Every add and update of a join way as Matrix sent it, to check what it said explicitly.</summary>
    public ConcurrentQueue<JsonObject> JoinWayRequests { get; } = new();

    /// <summary>A member opens a group (WeCom tells the corp with a <c>create</c> callback when <paramref name="notify"/>).</summary>
    public async Task<string> CreateGroupAsync(string corpId, string owner, string name, bool notify = true)
    {
        FakeChat chat;
        lock (_groups) chat = NewChat(corpId, owner, name);
        if (notify) await DeliverAsync(corpId, ChatEvent(corpId, chat.ChatId, "create", null));
        return chat.ChatId;
    }

    /// <summary>
    /// A customer scans the join way's code: into its first listed group with room, or a group it opens. Returns
    /// the group joined, or null when every listed group is at capacity and the way does not auto-create.
    /// </summary>
    public async Task<string?> JoinAsync(string configId, string externalUserId, bool notify = true)
    {
        FakeChat? joined, created = null;
        FakeJoinWay way;
        lock (_groups)
        {
            way = _ways[configId];
            joined = way.ChatIds.Select(id => _chats.GetValueOrDefault(id)).FirstOrDefault(c => c is not null && c.Members.Count < GroupCapacity);
            if (joined is null && way.AutoCreateRoom && way.ChatIds.Select(id => _chats.GetValueOrDefault(id)).FirstOrDefault(c => c is not null) is { Owner: var owner })
            {
                joined = created = NewChat(way.CorpId, owner, $"{way.RoomBaseName}{way.NextRoomId++}");
                if (AddAutoCreatedToList && way.ChatIds.Count < 5) _ways[configId] = way = way with { ChatIds = [.. way.ChatIds, created.ChatId], NextRoomId = way.NextRoomId };
            }
            joined?.Members.Add((externalUserId, way.State, time.GetUtcNow()));
        }
        if (joined is null) return null;
        if (created is not null && notify) await DeliverAsync(way.CorpId, ChatEvent(way.CorpId, created.ChatId, "create", null));
        if (notify) await DeliverAsync(way.CorpId, ChatEvent(way.CorpId, joined.ChatId, "update", "add_member"));
        return joined.ChatId;
    }

    /// <summary>A customer leaves the group.</summary>
    public async Task LeaveAsync(string chatId, string externalUserId)
    {
        FakeChat chat;
        lock (_groups)
        {
            chat = _chats[chatId];
            chat.Members.RemoveAll(m => m.ExternalUserId == externalUserId);
        }
        await DeliverAsync(chat.CorpId, ChatEvent(chat.CorpId, chatId, "update", "del_member"));
    }

    /// <summary>The owner dismisses the group: WeCom forgets it (groupchat/get answers 86001) and says so with a <c>dismiss</c> callback.</summary>
    public async Task DismissAsync(string chatId)
    {
        FakeChat chat;
        lock (_groups)
        {
            chat = _chats[chatId];
            _chats.Remove(chatId);
        }
        await DeliverAsync(chat.CorpId, ChatEvent(chat.CorpId, chatId, "dismiss", null));
    }

    /// <summary>The group's members now, as <c>groupchat/get</c> would count them.</summary>
    public int MembersOf(string chatId)
    {
        lock (_groups) return _chats[chatId].Members.Count;
    }

    /// <summary>Who is in the group, in the order they joined.</summary>
    public IReadOnlyList<string> MemberIds(string chatId)
    {
        lock (_groups) return [.. _chats[chatId].Members.Select(m => m.ExternalUserId)];
    }

    /// <summary>The corp's groups (id, name, members), oldest first.</summary>
    public IReadOnlyList<(string ChatId, string Name, int Members)> Chats(string corpId)
    {
        lock (_groups) return [.. _chats.Values.Where(c => c.CorpId == corpId).OrderBy(c => c.CreatedAt).ThenBy(c => c.ChatId).Select(c => (c.ChatId, c.Name, c.Members.Count))];
    }

    public FakeJoinWay? JoinWay(string configId)
    {
        lock (_groups) return _ways.GetValueOrDefault(configId);
    }

    private FakeChat NewChat(string corpId, string owner, string name)
    {
        var chat = new FakeChat(corpId, $"wr{Interlocked.Increment(ref _chatSequence):D6}", name, owner, time.GetUtcNow());
        _chats[chat.ChatId] = chat;
        return chat;
    }

    private string ChatEvent(string corpId, string chatId, string change, string? detail) =>
        $"<xml><ToUserName><![CDATA[{corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{time.GetUtcNow().ToUnixTimeSeconds()}</CreateTime>"
        + $"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[{chatId}]]></ChatId><ChangeType><![CDATA[{change}]]></ChangeType>"
        + (detail is null ? "" : $"<UpdateDetail><![CDATA[{detail}]]></UpdateDetail><JoinScene>3</JoinScene><MemChangeCnt>1</MemChangeCnt>") + "</xml>";

    private void MapGroups(WebApplication app)
    {
        app.MapPost("/cgi-bin/externalcontact/groupchat/get", async (string? access_token, HttpRequest request) =>
            GroupChat(access_token, await request.ReadFromJsonAsync<JsonObject>()));
        app.MapPost("/cgi-bin/externalcontact/groupchat/add_join_way", async (string? access_token, HttpRequest request) =>
            SaveJoinWay(access_token, await request.ReadFromJsonAsync<JsonObject>(), null));
        app.MapPost("/cgi-bin/externalcontact/groupchat/update_join_way", async (string? access_token, HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonObject>();
            return SaveJoinWay(access_token, body, body?["config_id"]?.GetValue<string>() ?? "");
        });
        app.MapPost("/cgi-bin/externalcontact/groupchat/get_join_way", async (string? access_token, HttpRequest request) =>
            GetJoinWay(access_token, await request.ReadFromJsonAsync<JsonObject>()));
        app.MapPost("/cgi-bin/externalcontact/groupchat/del_join_way", async (string? access_token, HttpRequest request) =>
        {
            if (Refused(access_token) is { } refused) return refused;
            var id = (await request.ReadFromJsonAsync<JsonObject>())?["config_id"]?.GetValue<string>() ?? "";
            lock (_groups) return _ways.Remove(id) ? Results.Json(new { errcode = 0, errmsg = "ok" }) : Error(40058, "invalid config_id");
        });
    }

    private IResult GroupChat(string? token, JsonObject? body)
    {
        if (Refused(token) is { } refused) return refused;
        lock (_groups)
        {
            if (!_chats.TryGetValue(body?["chat_id"]?.GetValue<string>() ?? "", out var chat) || chat.CorpId != _tokens[token!].CorpId) return Error(86001, "invalid chatid");
            return Results.Json(new
            {
                errcode = 0,
                errmsg = "ok",
                group_chat = new
                {
                    chat_id = chat.ChatId,
                    name = chat.Name,
                    owner = chat.Owner,
                    create_time = chat.CreatedAt.ToUnixTimeSeconds(),
                    member_list = chat.Members.Select(m => new { userid = m.ExternalUserId, type = 2, join_time = m.JoinedAt.ToUnixTimeSeconds(), join_scene = 3, state = m.State }).ToArray(),
                    admin_list = Array.Empty<object>(),
                },
            });
        }
    }

    // add_join_way (configId null) and update_join_way: every field replaced by the request's, WeCom's defaults for those left out.
    private IResult SaveJoinWay(string? token, JsonObject? body, string? configId)
    {
        if (Refused(token) is { } refused) return refused;
        if (body is null) return Error(40058, "invalid json");
        JoinWayRequests.Enqueue(body);
        var corpId = _tokens[token!].CorpId;
        var scene = body["scene"]?.GetValue<int>() ?? 0;
        var chats = body["chat_id_list"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
        var state = body["state"]?.GetValue<string>();
        var baseName = body["room_base_name"]?.GetValue<string>();
        if (scene is not (1 or 2)) return Error(40058, "invalid scene");
        if (chats.Count is < 1 or > 5) return Error(40058, "chat_id_list must hold 1 to 5 chats");
        if (state is { Length: > 30 } || baseName is { Length: > 40 }) return Error(40058, "state or room_base_name too long");
        lock (_groups)
        {
            if (chats.Any(c => !_chats.TryGetValue(c, out var chat) || chat.CorpId != corpId)) return Error(86001, "invalid chatid");
            if (configId is not null && !_ways.ContainsKey(configId)) return Error(40058, "invalid config_id");
            if (configId is null && ContactWayQuota <= 0) return Error(41045, "contact way count exceed limit");
            var way = new FakeJoinWay(corpId, configId ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)), scene,
                (body["auto_create_room"]?.GetValue<int>() ?? 1) == 1, baseName, body["room_base_id"]?.GetValue<int>() ?? 1, chats, state);
            if (configId is not null && _ways[configId].RoomBaseName == baseName && _ways[configId].RoomBaseId == way.RoomBaseId) way.NextRoomId = _ways[configId].NextRoomId;
            if (configId is null) ContactWayQuota--;
            _ways[way.ConfigId] = way;
            return configId is null ? Results.Json(new { errcode = 0, errmsg = "ok", config_id = way.ConfigId }) : Results.Json(new { errcode = 0, errmsg = "ok" });
        }
    }

    private IResult GetJoinWay(string? token, JsonObject? body)
    {
        if (Refused(token) is { } refused) return refused;
        lock (_groups)
        {
            if (!_ways.TryGetValue(body?["config_id"]?.GetValue<string>() ?? "", out var way)) return Error(40058, "invalid config_id");
            return Results.Json(new
            {
                errcode = 0,
                errmsg = "ok",
                join_way = new
                {
                    config_id = way.ConfigId,
                    scene = way.Scene,
                    auto_create_room = way.AutoCreateRoom ? 1 : 0,
                    room_base_name = way.RoomBaseName,
                    room_base_id = way.RoomBaseId,
                    chat_id_list = way.ChatIds,
                    qr_code = $"{Url}/qr/join/{way.ConfigId}.png",
                    state = way.State,
                },
            });
        }
    }
}
