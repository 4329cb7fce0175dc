using Matrix.Domain.Groups;
using Npgsql;

namespace Matrix.Grains.Groups;

/// <summary>
/// The WeCom side of group codes (Migrations/0026): a code's join way, its groups by chat, their counts as WeCom
/// gave them, and what the way lists. Every change and its history line are one transaction.
/// </summary>
public sealed class JoinWayStore(NpgsqlDataSource db, StoreClock clock)
{
    // Advisory lock class of a code's join way (AdvisoryLocks lists them all).
    private const int JoinWayLock = 1303;

    /// <summary>Makes the code a join way on <paramref name="corpId"/> with these settings (the way itself is made at the next sync).</summary>
    public Task<bool> SetAsync(string codeId, string corpId, JoinWaySettings settings, string by) =>
        InTransactionAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("""
                update group_codes set corp_id = $2, auto_create_room = $3, room_base_name = $4, room_base_id = $5, new_capacity = $6, new_soft_full = $7
                 where id = $1 and (corp_id is null or corp_id = $2)
                """, connection, tx);
            foreach (var value in new object?[] { codeId, corpId, settings.AutoCreateRoom!.Value, settings.RoomBaseName?.Trim(), settings.RoomBaseId, settings.Capacity, settings.SoftFull })
                cmd.Parameters.Add(Parameter(value));
            if (await cmd.ExecuteNonQueryAsync() == 0) return false;
            await HistoryAsync(connection, tx, codeId, "", "join-way",
                $"auto_create_room={(settings.AutoCreateRoom.Value ? 1 : 0)} {settings.RoomBaseName?.Trim()}{settings.RoomBaseId} {settings.Capacity}/{settings.SoftFull}", by);
            return true;
        });

    /// <summary>
    /// Links a WeCom group to the code after its others, with its members as WeCom counted them. False when the
    /// chat is already linked to an open code (this or another).
    /// </summary>
    public Task<bool> LinkAsync(string codeId, string chatId, string name, int members, int capacity, int softFull, string reason, string by) =>
        InTransactionAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("""
                insert into group_code_groups (code_id, id, position, name, kind, capacity, soft_full, members, chat_id, counted_at)
                select c.id, $2, coalesce((select max(position) + 1 from group_code_groups where code_id = c.id), 0), $3, 'WeCom', $4, $5, least($4, $6), $7, $8
                  from group_codes c where c.id = $1
                on conflict do nothing
                """, connection, tx);
            foreach (var value in new object?[] { codeId, Guid.NewGuid().ToString("N")[..8], string.IsNullOrWhiteSpace(name) ? chatId : name, capacity, softFull, members, chatId,
                         clock.UtcNow.ToUniversalTime() })
                cmd.Parameters.Add(Parameter(value));
            if (await cmd.ExecuteNonQueryAsync() == 0) return false;
            await HistoryAsync(connection, tx, codeId, chatId, "linked", reason, by);
            return true;
        });

    /// <summary>The open code and group a chat is linked to, if any.</summary>
    public async Task<(string CodeId, string GroupId)?> FindAsync(string chatId)
    {
        await using var cmd = db.CreateCommand("select code_id, id from group_code_groups where chat_id = $1 and closed_at is null");
        cmd.Parameters.Add(new() { Value = chatId });
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? (r.GetString(0), r.GetString(1)) : null;
    }

    /// <summary>The codes that are join ways of the corp (all corps when null).</summary>
    public async Task<IReadOnlyList<string>> CodesAsync(string? corpId = null)
    {
        await using var cmd = db.CreateCommand("select id from group_codes where corp_id is not null and ($1::text is null or corp_id = $1) order by id");
        cmd.Parameters.Add(new() { Value = (object?)corpId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var ids = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>The group's members as WeCom counted them just now (a closed group is left as it was).</summary>
    public async Task CountAsync(string codeId, string chatId, int members)
    {
        await using var cmd = db.CreateCommand("update group_code_groups set members = least(capacity, $3), counted_at = $4 where code_id = $1 and chat_id = $2 and closed_at is null");
        foreach (var value in new object[] { codeId, chatId, Math.Max(0, members), clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The group is gone from WeCom (dismissed, or no longer a chat WeCom knows): closed, with why.</summary>
    public Task<bool> CloseAsync(string codeId, string chatId, string reason) =>
        InTransactionAsync(async (connection, tx) =>
        {
            await using var cmd = new NpgsqlCommand("update group_code_groups set closed_at = $3 where code_id = $1 and chat_id = $2 and closed_at is null", connection, tx);
            foreach (var value in new object[] { codeId, chatId, clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
            if (await cmd.ExecuteNonQueryAsync() == 0) return false;
            await HistoryAsync(connection, tx, codeId, chatId, "closed", reason, "wecom");
            return true;
        });

    /// <summary>
    /// WeCom now holds the way <paramref name="configId"/> listing <paramref name="listed"/>: recorded, with a history
    /// line for each chat that came onto the list or left it (and why: <paramref name="reason"/>).
    /// </summary>
    public Task<bool> ListedAsync(string codeId, string configId, IReadOnlyList<string> listed, string? qrCode, string reason) =>
        InTransactionAsync(async (connection, tx) =>
        {
            await using var read = new NpgsqlCommand("select listed_chats from group_codes where id = $1 for update", connection, tx);
            read.Parameters.Add(new() { Value = codeId });
            var before = await read.ExecuteScalarAsync() as string[] ?? [];
            await using var cmd = new NpgsqlCommand("""
                update group_codes set config_id = $2, listed_chats = $3, qr_code = coalesce($4, qr_code), synced_at = $5, sync_error = null where id = $1
                """, connection, tx);
            foreach (var value in new object?[] { codeId, configId, listed.ToArray(), qrCode, clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(Parameter(value));
            await cmd.ExecuteNonQueryAsync();
            foreach (var chat in listed.Except(before)) await HistoryAsync(connection, tx, codeId, chat, "listed", reason, "wecom");
            foreach (var chat in before.Except(listed)) await HistoryAsync(connection, tx, codeId, chat, "unlisted", reason, "wecom");
            return true;
        });

    /// <summary>The last attempt to sync the way failed: why, in WeCom's words, for the console (what WeCom lists is unchanged).</summary>
    public async Task FailedAsync(string codeId, string error)
    {
        await using var cmd = db.CreateCommand("update group_codes set sync_error = $2, synced_at = $3 where id = $1");
        foreach (var value in new object[] { codeId, error, clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs <paramref name="work"/> holding the code's lock across every node: a way's list is read, sent to WeCom
    /// and recorded by one at a time, so an older list never overwrites a newer one.
    /// </summary>
    public Task<T> LockedAsync<T>(string codeId, Func<Task<T>> work) => AdvisoryLocks.HoldingAsync(db, JoinWayLock, codeId, work);

    private async Task<bool> InTransactionAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task<bool>> work)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (!await work(connection, tx)) return false;
        await tx.CommitAsync();
        return true;
    }

    // The history names a group by Matrix's id for it, as a personal group's lines do (the chat's latest link; "" for the code itself).
    private async Task HistoryAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string codeId, string chatId, string what, string? detail, string by)
    {
        await using var cmd = new NpgsqlCommand("""
            insert into group_code_history (code_id, group_id, at, event, detail, by_whom)
            values ($1, coalesce((select id from group_code_groups where code_id = $1 and chat_id = $2 order by closed_at desc nulls first limit 1), $2), $3, $4, $5, $6)
            """, connection, tx);
        foreach (var value in new object?[] { codeId, chatId, clock.UtcNow.ToUniversalTime(), what, detail, by }) cmd.Parameters.Add(Parameter(value));
        await cmd.ExecuteNonQueryAsync();
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new() { Value = DBNull.Value },
        _ => new() { Value = value },
    };
}
