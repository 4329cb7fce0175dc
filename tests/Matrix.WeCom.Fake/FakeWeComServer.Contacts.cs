using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>A corp tag as WeCom keeps it, in its group.</summary>
public sealed record FakeTag(string CorpId, string GroupId, string GroupName, string Id, string Name)
{
    public string Name { get; set; } = Name;
}

/// <summary>
/// What a full sync reads and tags write (WECOM.md §1.8, §1.9): <c>get_follow_user_list</c> (the members with
/// customer contact), <c>batch/get_by_user</c> paged by an opaque cursor that stays good while customers are added
/// (it names the last row given, not an offset), <c>get</c> with each member's tags, and the corp tag list:
/// <c>get_corp_tag_list</c>, <c>add_corp_tag</c> (a group by id or name, a name used twice in a group 40071, 3,000
/// tags 40126), <c>del_corp_tag</c>, and <c>mark_tag</c> on one member's relationship (84061 without one, 40068 an
/// unknown tag). Tests seed customers whose add callback was lost, tag in WeCom's own console, and make the API
/// refuse this server's address (60020) or fail outright.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly HashSet<(string CorpId, string UserId)> _members = [];
    private readonly Dictionary<(string CorpId, string UserId, string ExternalUserId), (DateTimeOffset Since, HashSet<string> Tags)> _relations = [];
    private readonly List<FakeTag> _tags = [];
    private int _nextTag;

    /// <summary>The corp's app is not allowed from this server's address (its trusted IPs do not list it): every call answers 60020.</summary>
    public bool RefuseThisAddress { get; set; }

    /// <summary>WeCom is down: every call is answered 503.</summary>
    public bool Down { get; set; }

    /// <summary>How many customers a batch/get_by_user page holds at most (WeCom clamps the caller's limit to 100).</summary>
    public int CustomerPageLimit { get; set; } = 100;

    /// <summary>batch/get_by_user pages served so far (a call refused is no page).</summary>
    public int CustomerPages => _customerPages;

    private int _customerPages;

    /// <summary>After this many more pages of the member's customers, WeCom's rate limit strikes: the next call of any API answers 45009 until <see cref="Unblock"/>.</summary>
    public (string UserId, int Pages)? RateLimitAfterPages { get; set; }

    /// <summary>WeCom's block lifted (as its 60 s running out).</summary>
    public void Unblock() => _blockedUntil = DateTimeOffset.MinValue;

    /// <summary>The member has customer contact (is on get_follow_user_list) even with no customer yet.</summary>
    public void AddMember(string corpId, string userId)
    {
        lock (_groups) _members.Add((corpId, userId));
    }

    /// <summary>A customer of the member since <paramref name="since"/> whose add callback never reached anyone.</summary>
    public void SeedCustomer(string corpId, string userId, string externalUserId, DateTimeOffset since)
    {
        lock (_groups)
        {
            _follows.Add((corpId, userId, externalUserId));
            Relation(corpId, userId, externalUserId, since);
        }
    }

    /// <summary>The relationship is gone on WeCom's side with no callback (as a lost del_follow_user).</summary>
    public void ForgetCustomer(string corpId, string userId, string externalUserId)
    {
        lock (_groups)
        {
            _follows.Remove((corpId, userId, externalUserId));
            _relations.Remove((corpId, userId, externalUserId));
        }
    }

    /// <summary>A tag made in WeCom's admin console (a group by name, made when missing); its id.</summary>
    public string CreateTagInConsole(string corpId, string groupName, string name)
    {
        lock (_groups) return NewTag(corpId, null, groupName, name).Id;
    }

    /// <summary>A tag renamed or deleted in WeCom's admin console.</summary>
    public void RenameTag(string tagId, string name)
    {
        lock (_groups) _tags.Single(t => t.Id == tagId).Name = name;
    }

    public void DeleteTag(string tagId)
    {
        lock (_groups) _tags.RemoveAll(t => t.Id == tagId);
    }

    /// <summary>The corp's tags, by group name and tag name.</summary>
    public IReadOnlyList<FakeTag> Tags(string corpId)
    {
        lock (_groups) return [.. _tags.Where(t => t.CorpId == corpId)];
    }

    /// <summary>The names of the tags on one member's relationship with the customer.</summary>
    public IReadOnlyList<string> TagsOf(string corpId, string userId, string externalUserId)
    {
        lock (_groups)
            return _relations.TryGetValue((corpId, userId, externalUserId), out var r)
                ? [.. _tags.Where(t => r.Tags.Contains(t.Id)).Select(t => t.Name).Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>A member tags the customer in WeCom's app: the relationship changes and <c>edit_external_contact</c> goes out.</summary>
    public Task<bool> TagInAppAsync(string corpId, string userId, string externalUserId, string tagId, bool add = true)
    {
        lock (_groups)
        {
            var tags = Relation(corpId, userId, externalUserId, time.GetUtcNow()).Tags;
            if (add) tags.Add(tagId); else tags.Remove(tagId);
        }
        return DeliverAsync(corpId, Event(corpId, "edit_external_contact", userId, externalUserId, ""));
    }

    /// <summary>The corp's tags were changed in its admin console: <c>change_external_tag</c> goes out.</summary>
    public Task<bool> TagsChangedAsync(string corpId, string tagId, string change = "update") =>
        DeliverAsync(corpId, $"<xml><ToUserName><![CDATA[{corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{time.GetUtcNow().ToUnixTimeSeconds()}</CreateTime>"
            + $"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[{tagId}]]></Id><TagType><![CDATA[tag]]></TagType>"
            + $"<ChangeType><![CDATA[{change}]]></ChangeType></xml>");

    private (DateTimeOffset Since, HashSet<string> Tags) Relation(string corpId, string userId, string externalUserId, DateTimeOffset since)
    {
        if (!_relations.TryGetValue((corpId, userId, externalUserId), out var r)) _relations[(corpId, userId, externalUserId)] = r = (since, []);
        return r;
    }

    private FakeTag NewTag(string corpId, string? groupId, string? groupName, string name)
    {
        var group = _tags.FirstOrDefault(t => t.CorpId == corpId && (groupId is not null ? t.GroupId == groupId : t.GroupName == groupName));
        var tag = new FakeTag(corpId, group?.GroupId ?? "grp" + Interlocked.Increment(ref _nextTag), group?.GroupName ?? groupName!, "tag" + Interlocked.Increment(ref _nextTag), name);
        _tags.Add(tag);
        return tag;
    }

    private void MapContacts(WebApplication app)
    {
        const string Api = "/cgi-bin/externalcontact/";
        app.MapGet(Api + "get_follow_user_list", (string? access_token) => Answer(access_token, corpId =>
        {
            lock (_groups)
                return Ok(new JsonObject { ["follow_user"] = new JsonArray([.. _members.Where(m => m.CorpId == corpId).Select(m => m.UserId)
                    .Union(_follows.Where(f => f.CorpId == corpId).Select(f => f.UserId)).Distinct().Order(StringComparer.Ordinal).Select(u => (JsonNode)u)]) });
        }));
        app.MapPost(Api + "batch/get_by_user", async (string? access_token, HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonObject>() ?? [];
            return Answer(access_token, corpId => ByUser(corpId, body));
        });
        app.MapGet(Api + "get", (string? access_token, string? external_userid) => Answer(access_token, corpId => Customer(corpId, external_userid ?? "")));
        app.MapPost(Api + "get_corp_tag_list", (string? access_token) => Answer(access_token, TagList));
        app.MapPost(Api + "add_corp_tag", async (string? access_token, HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonObject>() ?? [];
            return Answer(access_token, corpId => AddTags(corpId, body));
        });
        app.MapPost(Api + "del_corp_tag", async (string? access_token, HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonObject>() ?? [];
            return Answer(access_token, _ =>
            {
                var ids = body["tag_id"]?.AsArray().Select(t => t!.GetValue<string>()).ToHashSet() ?? [];
                lock (_groups) _tags.RemoveAll(t => ids.Contains(t.Id));
                return Ok([]);
            });
        });
        app.MapPost(Api + "mark_tag", async (string? access_token, HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonObject>() ?? [];
            return Answer(access_token, corpId => Mark(corpId, body));
        });
    }

    // Whether WeCom is up, this address and the corp's token checked before the call itself.
    private IResult Answer(string? token, Func<string, IResult> call)
    {
        if (Refused(token) is { } refused) return refused;
        return call(_tokens[token!].CorpId);
    }

    private static IResult Ok(JsonObject body)
    {
        body["errcode"] = 0;
        body["errmsg"] = "ok";
        return Results.Json(body);
    }

    private IResult ByUser(string corpId, JsonObject body)
    {
        var users = body["userid_list"]?.AsArray().Select(u => u!.GetValue<string>()).ToHashSet() ?? [];
        if (RateLimitAfterPages is { } limit && users.Contains(limit.UserId))
        {
            if (limit.Pages <= 0)
            {
                RateLimitAfterPages = null;
                BlockFor(TimeSpan.FromDays(1));
                return RateLimited();
            }
            RateLimitAfterPages = (limit.UserId, limit.Pages - 1);
        }
        Interlocked.Increment(ref _customerPages);
        if (users.Count is 0 or > 100) return Error(40058, "userid_list must hold 1 to 100 members");
        var size = Math.Clamp(body["limit"]?.GetValue<int>() ?? 50, 1, CustomerPageLimit);
        var after = body["cursor"]?.GetValue<string>() is { Length: > 0 } cursor ? Encoding.UTF8.GetString(Convert.FromBase64String(cursor)) : "";
        lock (_groups)
        {
            // Ordered by (member, customer): a cursor naming the last row given stays good while rows are added.
            var rows = _follows.Where(f => f.CorpId == corpId && users.Contains(f.UserId)).Select(f => (Key: f.UserId + "\u0001" + f.ExternalUserId, f))
                .Where(r => string.CompareOrdinal(r.Key, after) > 0).OrderBy(r => r.Key, StringComparer.Ordinal).Take(size + 1).ToList();
            var page = rows.Take(size).ToList();
            var list = new JsonArray();
            foreach (var (_, f) in page)
            {
                var (since, tags) = Relation(f.CorpId, f.UserId, f.ExternalUserId, time.GetUtcNow());
                list.Add(new JsonObject
                {
                    ["external_contact"] = new JsonObject { ["external_userid"] = f.ExternalUserId, ["name"] = "客户" + f.ExternalUserId[^Math.Min(4, f.ExternalUserId.Length)..], ["type"] = 1 },
                    ["follow_info"] = new JsonObject { ["userid"] = f.UserId, ["createtime"] = since.ToUnixTimeSeconds(), ["tag_id"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]) },
                });
            }
            return Ok(new JsonObject
            {
                ["external_contact_list"] = list,
                ["next_cursor"] = rows.Count > size ? Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Key)) : "",
            });
        }
    }

    private IResult Customer(string corpId, string externalUserId)
    {
        lock (_groups)
        {
            var follows = _follows.Where(f => f.CorpId == corpId && f.ExternalUserId == externalUserId).OrderBy(f => f.UserId, StringComparer.Ordinal).ToList();
            if (follows.Count == 0) return Error(84061, "not external contact");
            var followUsers = new JsonArray();
            foreach (var f in follows)
            {
                var (since, tags) = Relation(corpId, f.UserId, externalUserId, time.GetUtcNow());
                followUsers.Add(new JsonObject
                {
                    ["userid"] = f.UserId, ["createtime"] = since.ToUnixTimeSeconds(),
                    ["tags"] = new JsonArray([.. _tags.Where(t => tags.Contains(t.Id)).Select(t => (JsonNode)new JsonObject { ["group_name"] = t.GroupName, ["tag_name"] = t.Name, ["tag_id"] = t.Id, ["type"] = 1 })]),
                });
            }
            return Ok(new JsonObject { ["external_contact"] = new JsonObject { ["external_userid"] = externalUserId, ["type"] = 1 }, ["follow_user"] = followUsers });
        }
    }

    private IResult TagList(string corpId)
    {
        lock (_groups)
            return Ok(new JsonObject
            {
                ["tag_group"] = new JsonArray([.. _tags.Where(t => t.CorpId == corpId).GroupBy(t => (t.GroupId, t.GroupName)).Select(g => (JsonNode)new JsonObject
                {
                    ["group_id"] = g.Key.GroupId, ["group_name"] = g.Key.GroupName,
                    ["tag"] = new JsonArray([.. g.Select(t => (JsonNode)new JsonObject { ["id"] = t.Id, ["name"] = t.Name })]),
                })]),
            });
    }

    private IResult AddTags(string corpId, JsonObject body)
    {
        var groupId = body["group_id"]?.GetValue<string>();
        var groupName = body["group_name"]?.GetValue<string>();
        var names = body["tag"]?.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToList() ?? [];
        if (groupId is "" || (groupId is null && string.IsNullOrEmpty(groupName)) || names.Count == 0 || names.Any(n => n.Length is 0 or > 30))
            return Error(40058, "invalid parameter");
        lock (_groups)
        {
            if (groupId is not null && !_tags.Any(t => t.GroupId == groupId)) return Error(40068, "invalid tagid");
            if (_tags.Count(t => t.CorpId == corpId) + names.Count > 3000) return Error(40126, "corp tag count exceed");
            var group = _tags.Where(t => t.CorpId == corpId && (groupId is not null ? t.GroupId == groupId : t.GroupName == groupName)).ToList();
            if (names.Any(n => group.Any(t => t.Name == n))) return Error(40071, "tag name exists");
            var added = names.Select(n => NewTag(corpId, groupId, groupName, n)).ToList();
            return Ok(new JsonObject
            {
                ["tag_group"] = new JsonObject
                {
                    ["group_id"] = added[0].GroupId, ["group_name"] = added[0].GroupName,
                    ["tag"] = new JsonArray([.. added.Select(t => (JsonNode)new JsonObject { ["id"] = t.Id, ["name"] = t.Name })]),
                },
            });
        }
    }

    private IResult Mark(string corpId, JsonObject body)
    {
        var (user, customer) = (body["userid"]?.GetValue<string>() ?? "", body["external_userid"]?.GetValue<string>() ?? "");
        var add = body["add_tag"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
        var remove = body["remove_tag"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
        if (add.Count + remove.Count == 0) return Error(40058, "add_tag and remove_tag are both empty");
        lock (_groups)
        {
            if (!_follows.Contains((corpId, user, customer))) return Error(84061, "not external contact");
            if (add.Concat(remove).Any(id => !_tags.Any(t => t.CorpId == corpId && t.Id == id))) return Error(40068, "invalid tagid");
            var tags = Relation(corpId, user, customer, time.GetUtcNow()).Tags;
            foreach (var id in add) tags.Add(id);
            foreach (var id in remove) tags.Remove(id);
            return Ok([]);
        }
    }
}
