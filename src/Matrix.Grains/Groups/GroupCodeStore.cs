using Matrix.Domain.Groups;
using Npgsql;

namespace Matrix.Grains.Groups;

/// <param name="ChatId">A WeCom group's chat (its members are WeCom's count, read at <paramref name="CountedAt"/>); null for a personal-WeChat group.</param>
public sealed record GroupRow(string Id, int Position, string Name, GroupKind Kind, int Capacity, int SoftFull, int Members, long Scans, string? ImageUrl,
    DateTimeOffset? ImageUploadedAt, DateTimeOffset? ClosedAt, string? ChatId = null, DateTimeOffset? CountedAt = null)
{
    public GroupState State => new(Id, Capacity, SoftFull, Members, ImageUploadedAt, ClosedAt is not null);
}

/// <summary>A code's WeCom join way: its settings, and what WeCom holds (its id, the chats it lists, its QR) as last synced.</summary>
public sealed record JoinWay(string CorpId, JoinWaySettings Settings, string? ConfigId, IReadOnlyList<string> Listed, string? QrCode, DateTimeOffset? SyncedAt, string? SyncError);

/// <param name="JoinWay">Set for a code of WeCom groups; null for one of personal-WeChat groups (uploaded QR images).</param>
public sealed record GroupCode(string Id, string Name, string PersonaId, string CreatedBy, DateTimeOffset CreatedAt, IReadOnlyList<GroupRow> Groups, JoinWay? JoinWay = null)
{
    /// <summary>The code's WeCom groups as its join way's list is chosen from.</summary>
    public IEnumerable<JoinWayGroup> WeComGroups => Groups.Where(g => g.ChatId is not null).Select(g => new JoinWayGroup(g.ChatId!, g.State));
}

public sealed record GroupHistoryEntry(string GroupId, DateTimeOffset At, string Event, string? Detail, string? By);

/// <summary>Group codes, their groups and history (Migrations/0025).</summary>
public sealed class GroupCodeStore(NpgsqlDataSource db, StoreClock clock)
{
    public async Task<string> CreateAsync(string name, string personaId, string by)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        await using var cmd = db.CreateCommand("insert into group_codes (id, name, persona_id, created_by, created_at) values ($1, $2, $3, $4, $5)");
        foreach (var value in new object[] { id, name, personaId, by, clock.UtcNow.ToUniversalTime() }) cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    public async Task<GroupCode?> GetAsync(string id) => (await ListAsync(id)).SingleOrDefault();

    /// <summary>Codes (one, or all), newest first, each with its groups in the order scans try them.</summary>
    public async Task<IReadOnlyList<GroupCode>> ListAsync(string? id = null)
    {
        await using var cmd = db.CreateCommand("""
            select c.id, c.name, c.persona_id, c.created_by, c.created_at,
                   g.id, g.position, g.name, g.kind, g.capacity, g.soft_full, g.members, g.scans, g.image_url, g.image_uploaded_at, g.closed_at, g.chat_id, g.counted_at,
                   c.corp_id, c.auto_create_room, c.room_base_name, c.room_base_id, c.new_capacity, c.new_soft_full, c.config_id, c.listed_chats, c.qr_code,
                   c.synced_at, c.sync_error
              from group_codes c left join group_code_groups g on g.code_id = c.id
             where $1::text is null or c.id = $1
             order by c.created_at desc, c.id, g.position
            """);
        cmd.Parameters.Add(new() { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var codes = new List<(string Id, string Name, string Persona, string By, DateTimeOffset At, List<GroupRow> Groups, JoinWay? Way)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            if (codes.Count == 0 || codes[^1].Id != r.GetString(0))
                codes.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), [], ReadJoinWay(r)));
            if (r.IsDBNull(5)) continue;
            codes[^1].Groups.Add(new(r.GetString(5), r.GetInt32(6), r.GetString(7), Enum.Parse<GroupKind>(r.GetString(8)), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11),
                r.GetInt64(12), r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14),
                r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15), r.IsDBNull(16) ? null : r.GetString(16), r.IsDBNull(17) ? null : r.GetFieldValue<DateTimeOffset>(17)));
        }
        return [.. codes.Select(c => new GroupCode(c.Id, c.Name, c.Persona, c.By, c.At, c.Groups, c.Way))];
    }

    private static JoinWay? ReadJoinWay(NpgsqlDataReader r)
    {
        if (r.IsDBNull(18)) return null;
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var settings = new JoinWaySettings(r.GetBoolean(19), Text(20), r.IsDBNull(21) ? null : r.GetInt32(21), r.GetInt32(22), r.GetInt32(23));
        return new(r.GetString(18), settings, Text(24), r.GetFieldValue<string[]>(25), Text(26), r.IsDBNull(27) ? null : r.GetFieldValue<DateTimeOffset>(27), Text(28));
    }

    /// <summary>Links a group to the code, after its others. Null when the code does not exist.</summary>
    public async Task<string?> AddGroupAsync(string codeId, GroupSettings settings, string by)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        await using var cmd = db.CreateCommand("""
            insert into group_code_groups (code_id, id, position, name, kind, capacity, soft_full)
            select c.id, $2, coalesce((select max(position) + 1 from group_code_groups where code_id = c.id), 0), $3, $4, $5, $6
              from group_codes c where c.id = $1
            """);
        foreach (var value in new object[] { codeId, id, settings.Name.Trim(), settings.Kind.ToString(), settings.Capacity, settings.SoftFull })
            cmd.Parameters.Add(new() { Value = value });
        if (await cmd.ExecuteNonQueryAsync() == 0) return null;
        await HistoryAsync(codeId, id, "linked", $"{settings.Kind} {settings.Capacity}/{settings.SoftFull}", by);
        return id;
    }

    /// <summary>The group's QR image as uploaded now (it works for 7 days from now). False for no such open group.</summary>
    public Task<bool> SetImageAsync(string codeId, string groupId, string imageUrl, string by) =>
        UpdateAsync(codeId, groupId, "image_url = $3, image_uploaded_at = $4", [imageUrl, clock.UtcNow.ToUniversalTime()], "image", null, by);

    /// <summary>The group's members as an operator counted them, replacing Matrix's count (at most its capacity: the caller checks).</summary>
    public Task<bool> ReportMembersAsync(string codeId, string groupId, int members, string by) =>
        UpdateAsync(codeId, groupId, "members = $3", [members], "report", members.ToString(System.Globalization.CultureInfo.InvariantCulture), by);

    /// <summary>
    /// People joined the group otherwise than by a scan (invited by hand): counted, up to its capacity, which WeChat
    /// would not let them pass.
    /// </summary>
    public Task<bool> AddJoinsAsync(string codeId, string groupId, int joined, string by) =>
        UpdateAsync(codeId, groupId, "members = least(capacity, members + $3)", [joined], "joins", joined.ToString(System.Globalization.CultureInfo.InvariantCulture), by);

    /// <summary>No more scans go to the group (it is kept, with its history).</summary>
    public Task<bool> CloseAsync(string codeId, string groupId, string by) =>
        UpdateAsync(codeId, groupId, "closed_at = $3", [clock.UtcNow.ToUniversalTime()], "closed", null, by);

    /// <summary>
    /// Sends one scan to the group: counts it one member, only if the group still serves at this moment. The
    /// conditions are <see cref="GroupRules.Serves"/>'s, re-checked on the row as it is updated, so that concurrent
    /// scans, each having read room, can never together pass the soft full. Returns the image to show, or null.
    /// </summary>
    public async Task<string?> TryTakeAsync(string codeId, string groupId, DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand("""
            update group_code_groups set members = members + 1, scans = scans + 1
             where code_id = $1 and id = $2 and closed_at is null and image_uploaded_at > $3 and members < least(soft_full, capacity)
            returning image_url
            """);
        cmd.Parameters.Add(new() { Value = codeId });
        cmd.Parameters.Add(new() { Value = groupId });
        cmd.Parameters.Add(new() { Value = (now - GroupRules.ImageLifetime).ToUniversalTime() });
        return await cmd.ExecuteScalarAsync() as string;
    }

    public async Task<IReadOnlyList<GroupHistoryEntry>> HistoryAsync(string codeId)
    {
        await using var cmd = db.CreateCommand("select group_id, at, event, detail, by_whom from group_code_history where code_id = $1 order by at desc, id desc limit 200");
        cmd.Parameters.Add(new() { Value = codeId });
        var rows = new List<GroupHistoryEntry>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)));
        return rows;
    }

    // The change and its history line in one transaction: the history never misses a change nor records one undone.
    private async Task<bool> UpdateAsync(string codeId, string groupId, string set, object[] values, string history, string? detail, string by)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand($"update group_code_groups set {set} where code_id = $1 and id = $2 and closed_at is null", connection, tx);
        cmd.Parameters.Add(new() { Value = codeId });
        cmd.Parameters.Add(new() { Value = groupId });
        foreach (var value in values) cmd.Parameters.Add(new() { Value = value });
        if (await cmd.ExecuteNonQueryAsync() == 0) return false;
        await HistoryAsync(codeId, groupId, history, detail, by, connection, tx);
        await tx.CommitAsync();
        return true;
    }

    private async Task HistoryAsync(string codeId, string groupId, string what, string? detail, string by, NpgsqlConnection? connection = null, NpgsqlTransaction? tx = null)
    {
        const string sql = "insert into group_code_history (code_id, group_id, at, event, detail, by_whom) values ($1, $2, $3, $4, $5, $6)";
        await using var cmd = connection is null ? db.CreateCommand(sql) : new NpgsqlCommand(sql, connection, tx);
        foreach (var value in new object?[] { codeId, groupId, clock.UtcNow.ToUniversalTime(), what, detail, by })
            cmd.Parameters.Add(new() { Value = value ?? DBNull.Value, NpgsqlDbType = value is DateTimeOffset ? NpgsqlTypes.NpgsqlDbType.TimestampTz : NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }
}
