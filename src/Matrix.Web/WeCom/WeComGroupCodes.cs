using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Domain.Groups;
using Matrix.Grains;
using Matrix.Grains.Groups;
using Matrix.WeCom.Api;
using Matrix.WeCom.Callbacks;

namespace Matrix.Web.WeCom;

/// <summary>
/// Group codes of WeCom customer groups, each a 「加入群聊」 join way. Members are counted from WeCom
/// (<c>groupchat/get</c>) and never from a mirror; the way's list is <see cref="JoinWayRules.ChatList"/> of those
/// counts, sent whole with <c>auto_create_room</c> always said, by one node at a time per code. A group WeCom opens
/// for the way is linked when its <c>create</c> callback names an owner among the persona's WeCom members and the
/// way's base name; a dismissed group (or one WeCom no longer knows) is closed. Every link, listing and unlisting
/// has its history line.
/// </summary>
public sealed partial class WeComGroupCodes(GroupCodeStore codes, JoinWayStore ways, GroupCodeService groups, WeComCorps corps, WeComClient client,
    MatrixDirectory directory, ILogger<WeComGroupCodes> logger)
{
    private const string Api = "/cgi-bin/externalcontact/groupchat/";
    private const int UnknownChat = 86001;

    /// <summary>A group as WeCom gives it: its name, owner (a member's userid) and members now.</summary>
    public sealed record Chat(string ChatId, string Name, string Owner, int Members);

    /// <summary>
    /// Makes <paramref name="code"/> a join way on the corp with <paramref name="settings"/>, links
    /// <paramref name="chatIds"/> (read from WeCom first: an unknown chat changes nothing) and syncs the way.
    /// </summary>
    public async Task ConfigureAsync(GroupCode code, string? corpId, JoinWaySettings settings, IReadOnlyList<string>? chatIds, string by)
    {
        var errors = new List<FieldError>(settings.Validate());
        if (string.IsNullOrWhiteSpace(corpId)) errors.Add(FieldError.Of("corpId", RuleKeys.Required, "is required"));
        else if (code.JoinWay is { } way && way.CorpId != corpId) errors.Add(FieldError.Of("corpId", RuleKeys.Invalid, "is not the corp of this code's join way ({0})", way.CorpId));
        if (code.Groups.Any(g => g.ChatId is null)) errors.Add(FieldError.Of("corpId", RuleKeys.Invalid, "cannot be set on a code of personal-WeChat groups"));
        var chats = (chatIds ?? []).Select(c => c?.Trim() ?? "").Distinct().ToList();
        if (chats.Count == 0 && !code.WeComGroups.Any()) errors.Add(FieldError.Of("chatIds", RuleKeys.Required, "is required"));
        else if (chats.Count > 20) errors.Add(FieldError.Of("chatIds", RuleKeys.TooMany, "must hold at most {0} chats", 20));
        else if (chats.Any(c => c.Length is 0 or > 64)) errors.Add(FieldError.Of("chatIds", RuleKeys.Invalid, "must be WeCom chat ids"));
        DomainValidationException.ThrowIfAny(errors);
        var corp = await corps.GetAsync(corpId!) ?? throw DomainValidationException.Of("corpId", RuleKeys.Unknown, "is not a connected WeCom corp");

        var read = new List<Chat>();
        try
        {
            foreach (var chatId in chats.Where(c => !code.WeComGroups.Any(g => g.ChatId == c)))
                read.Add(await ReadAsync(corp, chatId) ?? throw DomainValidationException.Of("chatIds", RuleKeys.Unknown, "{0} is not a group of the corp", chatId));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or WeComException)
        {
            throw DomainValidationException.Of("corpId", RuleKeys.Invalid, "could not be reached: {0}", e.Message);
        }
        await ways.SetAsync(code.Id, corpId!, settings, by);
        foreach (var chat in read)
        {
            if (!await ways.LinkAsync(code.Id, chat.ChatId, chat.Name, chat.Members, settings.Capacity, settings.SoftFull, "operator", by))
                throw DomainValidationException.Of("chatIds", RuleKeys.Exists, "{0} is already linked to a group code", chat.ChatId);
        }
        await RecountAsync(code.Id, "set up", resend: true);
    }

    /// <summary>A group callback: a new group linked if the way opened it, a dismissed one closed (member changes go through <see cref="WeComWatcher"/>).</summary>
    public async Task HandleAsync(WeComCorp corp, WeComEvent e)
    {
        if (e.ChatId is not { } chatId) return;
        if (e.ChangeType == "create") await CreatedAsync(corp, chatId);
        else if (e.ChangeType == "dismiss" && await ways.FindAsync(chatId) is { } linked && await ways.CloseAsync(linked.CodeId, chatId, "dismissed"))
            await ways.LockedAsync(linked.CodeId, () => SyncAsync(linked.CodeId, "dismissed"));
    }

    /// <summary>Counts the chat's group again from WeCom and syncs its code's way (a member joined or left).</summary>
    public async Task RecountChatAsync(string chatId)
    {
        if (await ways.FindAsync(chatId) is { } linked) await RecountAsync(linked.CodeId, "members");
    }

    /// <summary>
    /// Counts every open group of the code from WeCom, then syncs the way, holding the code's lock. A group WeCom
    /// could not be asked about keeps its last count (never dropped uncounted); one WeCom no longer knows is closed.
    /// </summary>
    /// <param name="resend">Send the way even when its list is unchanged (its settings changed).</param>
    public Task<bool> RecountAsync(string codeId, string reason, bool resend = false) => ways.LockedAsync(codeId, async () =>
    {
        if (await codes.GetAsync(codeId) is not { JoinWay: { } way } code || await corps.GetAsync(way.CorpId) is not { } corp) return false;
        foreach (var group in code.Groups.Where(g => g.ChatId is not null && g.ClosedAt is null))
        {
            try
            {
                var answer = await client.PostAsync(corp.App, Api + "get", new { chat_id = group.ChatId, need_name = 0 });
                if (answer.ErrCode == UnknownChat) await ways.CloseAsync(code.Id, group.ChatId!, "unknown to WeCom");
                else if (answer.Ok) await ways.CountAsync(code.Id, group.ChatId!, Members(answer));
                else NotCounted(logger, group.ChatId!, $"{answer.ErrCode} {answer.ErrMsg}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or WeComException)
            {
                NotCounted(logger, group.ChatId!, e.Message);
            }
        }
        return await SyncAsync(code.Id, reason, resend);
    });

    // Sends the way's list when it changed (or the way does not exist yet); the caller holds the code's lock.
    private async Task<bool> SyncAsync(string codeId, string reason, bool resend = false)
    {
        if (await codes.GetAsync(codeId) is not { JoinWay: { } way } code || await corps.GetAsync(way.CorpId) is not { } corp) return false;
        var list = JoinWayRules.ChatList(code.WeComGroups);
        var auto = way.Settings.AutoCreateRoom == true;
        if (!auto && JoinWayRules.AllFull(code.WeComGroups)) await groups.AskForAGroupAsync(code);
        if (list.Count == 0)
        {
            await ways.FailedAsync(code.Id, "no group has room");
            return false;
        }
        if (!resend && way.ConfigId is not null && way.QrCode is not null && list.SequenceEqual(way.Listed)) return true;
        try
        {
            var body = new Dictionary<string, object?>
            {
                ["scene"] = 2,
                ["remark"] = code.Name.Length > 30 ? code.Name[..30] : code.Name,
                ["auto_create_room"] = auto ? 1 : 0,
                ["room_base_name"] = way.Settings.RoomBaseName,
                ["room_base_id"] = way.Settings.RoomBaseId ?? 1,
                ["chat_id_list"] = list,
                ["state"] = JoinWayRules.State(code.Id),
            };
            if (way.ConfigId is not null) body["config_id"] = way.ConfigId;
            var saved = await client.PostAsync(corp.App, Api + (way.ConfigId is null ? "add_join_way" : "update_join_way"), body);
            if (!saved.Ok) return await FailedAsync(code.Id, saved);
            var configId = way.ConfigId ?? saved.Body["config_id"]!.GetValue<string>();
            var qr = way.QrCode;
            if (qr is null)
            {
                var got = await client.PostAsync(corp.App, Api + "get_join_way", new { config_id = configId });
                if (!got.Ok) return await FailedAsync(code.Id, got);
                qr = got.Body["join_way"]?["qr_code"]?.GetValue<string>();
            }
            return await ways.ListedAsync(code.Id, configId, list, qr, reason);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or WeComException)
        {
            await ways.FailedAsync(code.Id, e.Message);
            return false;
        }
    }

    // A new group: linked to the first join way that auto-creates, on this corp, whose base name it bears and whose persona's WeCom member owns it.
    private async Task CreatedAsync(WeComCorp corp, string chatId)
    {
        if (await ways.FindAsync(chatId) is not null || await ReadAsync(corp, chatId) is not { } chat) return;
        foreach (var codeId in await ways.CodesAsync(corp.App.CorpId))
        {
            if (await codes.GetAsync(codeId) is not { JoinWay: { Settings: { AutoCreateRoom: true, RoomBaseName: { Length: > 0 } baseName } } way } code
                || !chat.Name.StartsWith(baseName.Trim(), StringComparison.Ordinal)) continue;
            var owners = (await directory.AccountsAsync(personaId: code.PersonaId)).Where(a => a.Profile.Kind == AccountKind.WeCom).Select(a => a.Profile.WeChatId);
            if (!owners.Contains(chat.Owner)) continue;
            if (await ways.LinkAsync(code.Id, chat.ChatId, chat.Name, chat.Members, way.Settings.Capacity, way.Settings.SoftFull, "auto-created", "wecom"))
                await RecountAsync(code.Id, "auto-created");
            return;
        }
    }

    private async Task<Chat?> ReadAsync(WeComCorp corp, string chatId)
    {
        var answer = await client.PostAsync(corp.App, Api + "get", new { chat_id = chatId, need_name = 0 });
        if (!answer.Ok) return null;
        var chat = answer.Body["group_chat"]!;
        return new(chatId, chat["name"]?.GetValue<string>() ?? "", chat["owner"]?.GetValue<string>() ?? "", Members(answer));
    }

    private static int Members(WeComAnswer answer) => answer.Body["group_chat"]?["member_list"]?.AsArray().Count ?? 0;

    private async Task<bool> FailedAsync(string codeId, WeComAnswer answer)
    {
        await ways.FailedAsync(codeId, $"{answer.ErrCode} {answer.ErrMsg}");
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom group {ChatId} was not counted ({Reason}); its last count stands until the next sweep")]
    private static partial void NotCounted(ILogger logger, string chatId, string reason);
}
