using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="Users">The members (userids) WeCom's way lists now, as last sent.</param>
/// <param name="SyncError">Why the last sync failed, in WeCom's words; null when it did not.</param>
public sealed record ContactWayView(string ChannelId, string CorpId, string? ConfigId, IReadOnlyList<string> Users, string? QrCode, DateTimeOffset? SyncedAt, string? SyncError);

/// <summary>
/// A live code's WeCom accounts as one 「联系我」 contact way (Migrations/0006). WeCom chooses among the way's members
/// itself, so the way lists exactly the accounts a scan could be sent to now (<see cref="LiveCodeService.OpenAccountsAsync"/>:
/// the account selector's rules, caps and reserve included) that are WeCom members, at most 100; as accounts fill, the
/// list is replaced. The state is the channel's, so each add names it. One node at a time per channel sends a list
/// (advisory lock class 1304), so an older list never overwrites a newer one. WeCom's quota of ways (41045) raises an
/// alert; a rate limit leaves the way as it was and says when to try again.
/// </summary>
public sealed partial class WeComContactWays(NpgsqlDataSource db, WeComCorps corps, WeComClient client, LiveCodeService liveCodes, RecordViews records,
    CapacityLedger ledger, StoreClock clock, ILogger<WeComContactWays> logger)
{
    private const string Api = "/cgi-bin/externalcontact/";
    private const int WayLock = 1304, QuotaExhausted = 41045, MaxMembers = 100;

    /// <summary>Connects the channel's WeCom accounts to a contact way on the corp, and makes it now.</summary>
    public async Task<ContactWayView> ConnectAsync(string channelId, string? corpId, string by)
    {
        if (await records.ChannelAsync(channelId) is null) throw new KeyNotFoundException($"channel {channelId}");
        if (string.IsNullOrWhiteSpace(corpId)) throw DomainValidationException.Of("corpId", RuleKeys.Required, "is required");
        if (await corps.GetAsync(corpId.Trim()) is null) throw DomainValidationException.Of("corpId", RuleKeys.Unknown, "is not a connected WeCom corp");
        await using (var cmd = db.CreateCommand("""
            insert into wecom_contact_ways (channel_id, corp_id, updated_by, updated_at) values ($1, $2, $3, $4)
            on conflict (channel_id) do update set corp_id = $2, updated_by = $3, updated_at = $4
            """))
        {
            foreach (var value in new object[] { channelId, corpId.Trim(), by, clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
            await cmd.ExecuteNonQueryAsync();
        }
        await SyncAsync(channelId);
        return (await GetAsync(channelId))!;
    }

    /// <summary>Deletes the channel's way on WeCom (its printed QR stops working) and forgets it. False when there was none.</summary>
    public async Task<bool> DisconnectAsync(string channelId) => await LockedAsync(channelId, async () =>
    {
        if (await GetAsync(channelId) is not { } way) return false;
        if (way.ConfigId is not null && await corps.GetAsync(way.CorpId) is { } corp)
        {
            var deleted = await client.PostAsync(corp.App, Api + "del_contact_way", new { config_id = way.ConfigId });
            if (!deleted.Ok && deleted.ErrCode != 40058) throw DomainValidationException.Of("channelId", RuleKeys.Invalid, "WeCom refused to delete the contact way: {0} {1}", deleted.ErrCode, deleted.ErrMsg);
        }
        await using var cmd = db.CreateCommand("delete from wecom_contact_ways where channel_id = $1");
        cmd.Parameters.Add(new() { Value = channelId });
        return await cmd.ExecuteNonQueryAsync() > 0;
    });

    public async Task<ContactWayView?> GetAsync(string channelId) => (await ListAsync(channelId)).SingleOrDefault();

    /// <summary>Every channel's way (one, or all).</summary>
    public async Task<IReadOnlyList<ContactWayView>> ListAsync(string? channelId = null)
    {
        await using var cmd = db.CreateCommand("""
            select channel_id, corp_id, config_id, users, qr_code, synced_at, sync_error from wecom_contact_ways
             where $1::text is null or channel_id = $1 order by channel_id
            """);
        cmd.Parameters.Add(new() { Value = (object?)channelId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<ContactWayView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<string[]>(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetString(6)));
        return list;
    }

    /// <summary>
    /// Sends the way's member list when it differs from what WeCom holds (or the way does not exist yet). Returns
    /// when to try again if WeCom's rate limit held it back, else null.
    /// </summary>
    public Task<TimeSpan?> SyncAsync(string channelId) => LockedAsync(channelId, async () =>
    {
        if (await GetAsync(channelId) is not { } way || await records.ChannelAsync(channelId) is not { } channel || await corps.GetAsync(way.CorpId) is not { } corp)
            return (TimeSpan?)null;
        // Only the way's corp's members: an account of another corp (as the full sync found) is no member WeCom could list here.
        var users = new List<string>();
        foreach (var account in (await liveCodes.OpenAccountsAsync(channelId)).Where(a => a.Profile.Kind == AccountKind.WeCom && !string.IsNullOrEmpty(a.Profile.WeChatId)))
            if (users.Count < MaxMembers && !users.Contains(account.Profile.WeChatId!) && (await corps.CorpOfAccountAsync(account.Id) ?? way.CorpId) == way.CorpId)
                users.Add(account.Profile.WeChatId!);
        if (users.Count == 0)
        {
            // WeCom wants at least one member: the way keeps its last list, and the team is told the channel is full.
            await RecordAsync(channelId, way.ConfigId, way.Users, way.QrCode, "no member has room");
            await ledger.RaiseAlertAsync("pool-full", channelId, $"Channel '{channel.Name}' is full: no WeCom member of its pool has room. Open a new account or name a backup.");
            return null;
        }
        if (way.ConfigId is not null && way.QrCode is not null && users.SequenceEqual(way.Users)) return null;
        var body = new Dictionary<string, object?> { ["user"] = users, ["state"] = channel.State };
        if (way.ConfigId is null)
        {
            body["type"] = 2;
            body["scene"] = 2;
            body["skip_verify"] = true;
            body["remark"] = channel.Name.Length > 30 ? channel.Name[..30] : channel.Name;
        }
        else body["config_id"] = way.ConfigId;
        var saved = await client.PostAsync(corp.App, Api + (way.ConfigId is null ? "add_contact_way" : "update_contact_way"), body);
        if (!saved.Ok) return await FailedAsync(corp, way, saved, channel.Name);
        var configId = way.ConfigId ?? saved.Body["config_id"]!.GetValue<string>();
        var qr = way.QrCode;
        if (qr is null)
        {
            var got = await client.PostAsync(corp.App, Api + "get_contact_way", new { config_id = configId });
            qr = got.Ok ? got.Body["contact_way"]?["qr_code"]?.GetValue<string>() : null;
        }
        await RecordAsync(channelId, configId, users, qr, null);
        return null;
    });

    private async Task<TimeSpan?> FailedAsync(WeComCorp corp, ContactWayView way, WeComAnswer answer, string channelName)
    {
        await RecordAsync(way.ChannelId, way.ConfigId, way.Users, way.QrCode, $"{answer.ErrCode} {answer.ErrMsg}");
        if (answer.ErrCode == QuotaExhausted)
            await ledger.RaiseAlertAsync("wecom-quota", way.CorpId, $"WeCom corp {way.CorpId} has no contact ways left (41045): channel '{channelName}' has none. Delete unused ways.");
        NotSynced(logger, way.ChannelId, answer.ErrCode, answer.ErrMsg);
        return client.BlockedUntil(corp.App) is { } until ? until - clock.UtcNow : null;
    }

    private async Task RecordAsync(string channelId, string? configId, IReadOnlyList<string> users, string? qr, string? error)
    {
        await using var cmd = db.CreateCommand("update wecom_contact_ways set config_id = $2, users = $3, qr_code = $4, synced_at = $5, sync_error = $6 where channel_id = $1");
        foreach (var value in new object?[] { channelId, configId, users.ToArray(), qr, clock.UtcNow.ToUniversalTime(), error })
            cmd.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    private Task<T> LockedAsync<T>(string channelId, Func<Task<T>> work) => AdvisoryLocks.HoldingAsync(db, WayLock, channelId, work);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The contact way of channel {ChannelId} was not synced: WeCom {ErrCode} {ErrMsg}")]
    private static partial void NotSynced(ILogger logger, string channelId, int errCode, string errMsg);
}
