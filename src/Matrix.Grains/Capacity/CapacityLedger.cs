using Npgsql;

namespace Matrix.Grains.Capacity;

/// <summary>An account's live counters, as the selector and the API show them.</summary>
public sealed record LedgerRow(string AccountId, int HardCap, int Friends, int Reserved, int AddedToday);

/// <summary>Something the team must act on, such as a full pool.</summary>
public sealed record Alert(long Id, string Kind, string SubjectId, string Message, DateTimeOffset RaisedAt);

/// <summary>A customer's friendship with one account, as the ledger recorded it.</summary>
public sealed record FriendLink(string AccountId, string? ChannelId, string? ChannelState, IReadOnlyList<string> ChannelTags, DateTimeOffset AddedAt,
    DateTimeOffset? RemovedAt, bool? RemovedByCustomer);

public enum FriendAddOutcome { Added, Duplicate, AlreadyFriend, Full, UnknownAccount }

/// <summary>
/// What a friendship's start is, as the relationship log records it (Migrations/0015): a new friend, a re-homed
/// customer arriving from a sibling (a transfer, not growth), or an import's existing relationship of unknown start.
/// </summary>
public enum Arrival { Added, MovedIn, Imported }

public enum FriendRemoveOutcome { Removed, Duplicate, NotAFriend, UnknownAccount }

/// <summary>
/// The SQL of the capacity ledger (Migrations/0001_accounts.sql says why it is not grain state). Every change is one
/// conditional statement or one function call, so no count is ever read, decided on and written back.
/// </summary>
public sealed class CapacityLedger(NpgsqlDataSource db, StoreClock clock, Changes.ChangeFeed changes)
{
    /// <summary>Raised by matrix_confirm_friend (Migrations/0004) when a concurrent event with the same key committed first.</summary>
    private const string DuplicateKeyRace = "MX002";

    public async Task CreateAsync(string accountId, int hardCap)
    {
        await using var cmd = db.CreateCommand("insert into account_ledger (account_id, hard_cap) values ($1, $2) on conflict (account_id) do nothing");
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = hardCap });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Sets a new hard cap unless the account already holds more than it; false when refused.</summary>
    public async Task<bool> SetHardCapAsync(string accountId, int hardCap)
    {
        await using var cmd = db.CreateCommand("update account_ledger set hard_cap = $2 where account_id = $1 and friends + reserved <= $2");
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = hardCap });
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    public async Task<IReadOnlyDictionary<string, LedgerRow>> ReadAsync(IReadOnlyCollection<string> accountIds)
    {
        await using var cmd = db.CreateCommand("""
            select account_id, hard_cap, friends, reserved, case when added_day = $2 then added_today else 0 end
              from account_ledger where account_id = any($1)
            """);
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = clock.Today });
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new Dictionary<string, LedgerRow>();
        while (await reader.ReadAsync())
            rows[reader.GetString(0)] = new(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        return rows;
    }

    /// <summary>
    /// Holds one slot on the account if, after the increment, its load stays within <paramref name="loadLimit"/> and
    /// today's adds plus holds stay within <paramref name="budget"/>. Returns the reservation and the account's counters
    /// after it, or null when there is no room.
    /// </summary>
    public async Task<(Guid Token, LedgerRow Counters)?> TryReserveAsync(string accountId, int loadLimit, int? budget, string? channelId, TimeSpan hold)
    {
        var held = await TryReserveManyAsync(accountId, loadLimit, budget, [channelId], hold);
        return held.Tokens.Count == 1 ? (held.Tokens[0], held.Counters!) : null;
    }

    /// <summary>
    /// Holds up to one slot per channel given (a reservation each), as many as fit by the same rules, in one statement
    /// (Migrations/0005_lighter_holds.sql). The first <c>Tokens.Count</c> callers got theirs; Counters are the account's
    /// after the holds, null when none fitted.
    /// </summary>
    public async Task<(IReadOnlyList<Guid> Tokens, LedgerRow? Counters)> TryReserveManyAsync(string accountId, int loadLimit, int? budget,
        IReadOnlyList<string?> channelIds, TimeSpan hold)
    {
        await using var cmd = db.CreateCommand("select held, hard_cap, friends, reserved, added_today from matrix_hold_slots($1, $2, $3, $4, $5, $6, $7)");
        var tokens = channelIds.Select(_ => Guid.NewGuid()).ToArray();
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = loadLimit });
        cmd.Parameters.Add(new() { Value = budget.HasValue ? budget.Value : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = clock.Today });
        cmd.Parameters.Add(new() { Value = tokens });
        cmd.Parameters.Add(new() { Value = channelIds.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (clock.UtcNow + hold).ToUniversalTime() });
        await using var reader = await cmd.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return ([], null);
        var held = reader.GetInt32(0);
        var counters = new LedgerRow(accountId, reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        changes.Announce(Changes.ChangeTopics.Accounts);
        return (tokens[..held], counters);
    }

    /// <summary>Gives back the slots of reservations that lapsed; returns how many.</summary>
    public async Task<int> LapseExpiredAsync()
    {
        await using var cmd = db.CreateCommand("""
            with d as (delete from account_reservations where expires_at <= $1 returning account_id),
                 c as (select account_id, count(*)::int as n from d group by account_id)
            update account_ledger l set reserved = l.reserved - c.n from c where l.account_id = c.account_id
            returning c.n
            """);
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        var total = 0;
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) total += reader.GetInt32(0);
        if (total > 0) changes.Announce(Changes.ChangeTopics.Accounts);
        return total;
    }

    public async Task<FriendAddOutcome> ConfirmFriendAsync(string key, string accountId, string externalId, string? channelId, DateTimeOffset at, string? welcome,
        Guid? reservation = null, string? channelState = null, IReadOnlyList<string>? channelTags = null, Arrival arrival = Arrival.Added)
    {
        // Two statements in one round trip and one implicit transaction: the first tells the log's trigger what the
        // arrival is (a setting local to the transaction), the second confirms.
        await using var batch = db.CreateBatch();
        var kind = new NpgsqlBatchCommand("select set_config('matrix.arrival', $1, true)");
        kind.Parameters.Add(new() { Value = arrival switch { Arrival.MovedIn => "moved_in", Arrival.Imported => "imported", _ => "added" } });
        batch.BatchCommands.Add(kind);
        var cmd = new NpgsqlBatchCommand("select matrix_confirm_friend($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
        batch.BatchCommands.Add(cmd);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = externalId });
        cmd.Parameters.Add(new() { Value = (object?)channelId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() }); // events may carry any offset; timestamptz takes UTC
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = clock.Today });
        cmd.Parameters.Add(new() { Value = (object?)welcome ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = Guid.NewGuid() });
        cmd.Parameters.Add(new() { Value = reservation.HasValue ? reservation.Value : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = (object?)channelState ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (channelTags ?? []).ToArray() });
        // Counts among today's adds only on the day it happened; an existing relationship (an import) on no day.
        cmd.Parameters.Add(new() { Value = arrival == Arrival.Imported ? DateOnly.MinValue : clock.DayOf(at) });
        string outcome;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            outcome = reader.GetString(0);
        }
        catch (PostgresException ex) when (ex.SqlState == DuplicateKeyRace)
        {
            return FriendAddOutcome.Duplicate; // the same key for another account won the race; the statement was rolled back
        }
        if (outcome == "added")
            changes.Announce((welcome is null ? Changes.ChangeTopics.Accounts : Changes.ChangeTopics.Accounts | Changes.ChangeTopics.Tasks)
                | (arrival != Arrival.Imported && at < clock.TodayUtc.Start ? Changes.ChangeTopics.PastAdds : Changes.ChangeTopics.None));
        return outcome switch
        {
            "added" => FriendAddOutcome.Added,
            "duplicate" => FriendAddOutcome.Duplicate,
            "already-friend" => FriendAddOutcome.AlreadyFriend,
            "full" => FriendAddOutcome.Full,
            _ => FriendAddOutcome.UnknownAccount,
        };
    }

    public async Task<FriendRemoveOutcome> RemoveFriendAsync(string key, string accountId, string externalId, bool byCustomer, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("select matrix_remove_friend($1, $2, $3, $4, $5)");
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = externalId });
        cmd.Parameters.Add(new() { Value = byCustomer });
        cmd.Parameters.Add(new() { Value = at.ToUniversalTime() });
        var outcome = (string)(await cmd.ExecuteScalarAsync())!;
        if (outcome == "removed") changes.Announce(Changes.ChangeTopics.Accounts);
        return outcome switch
        {
            "removed" => FriendRemoveOutcome.Removed,
            "duplicate" => FriendRemoveOutcome.Duplicate,
            "not-a-friend" => FriendRemoveOutcome.NotAFriend,
            _ => FriendRemoveOutcome.UnknownAccount,
        };
    }

    /// <summary>Is this hold still live (not lapsed, not yet a friend) for that account and channel?</summary>
    /// <summary>The live holds of an account (scans waiting for their add), newest first: what an operator confirms from.</summary>
    public async Task<IReadOnlyList<(Guid Token, string? ChannelId, DateTimeOffset ExpiresAt)>> HoldsAsync(string accountId, DateTimeOffset now)
    {
        await using var cmd = db.CreateCommand("select token, channel_id, expires_at from account_reservations where account_id = $1 and expires_at > $2 order by expires_at desc limit 50");
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
        var holds = new List<(Guid, string?, DateTimeOffset)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) holds.Add((r.GetGuid(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)));
        return holds;
    }

    public async Task<bool> HoldIsLiveAsync(Guid token, string accountId, string channelId)
    {
        await using var cmd = db.CreateCommand("select exists (select 1 from account_reservations where token = $1 and account_id = $2 and channel_id = $3 and expires_at > $4)");
        cmd.Parameters.Add(new() { Value = token });
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = channelId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        return await cmd.ExecuteScalarAsync() is true;
    }

    /// <summary>When the add recorded under <paramref name="key"/> happened, if it was added and its follow-ups never completed (Migrations/0007).</summary>
    public async Task<DateTimeOffset?> AddAwaitingFollowUpAsync(string key)
    {
        await using var cmd = db.CreateCommand("select occurred_at from friend_events where idempotency_key = $1 and outcome = 'added' and followed_up_at is null");
        cmd.Parameters.Add(new() { Value = key });
        return await cmd.ExecuteScalarAsync() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>The add's follow-ups have started: a replay of it changes nothing from now on.</summary>
    public async Task AddFollowedUpAsync(string key)
    {
        await using var cmd = db.CreateCommand("update friend_events set followed_up_at = now() where idempotency_key = $1 and followed_up_at is null");
        cmd.Parameters.Add(new() { Value = key });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Every account the customer is or was a friend of, oldest first: the customer's accounts and source.</summary>
    public async Task<IReadOnlyList<FriendLink>> LinksAsync(string externalId) =>
        (await LinksAsync([externalId])).GetValueOrDefault(externalId) ?? [];

    /// <summary>The friendships of several customers in one statement (a page of a list), by customer.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<FriendLink>>> LinksAsync(IReadOnlyCollection<string> externalIds)
    {
        await using var cmd = db.CreateCommand("""
            select external_id, account_id, channel_id, channel_state, channel_tags, added_at, removed_at, removed_by_customer
              from account_friends where external_id = any($1) order by added_at, account_id
            """);
        cmd.Parameters.Add(new() { Value = externalIds.ToArray() });
        await using var r = await cmd.ExecuteReaderAsync();
        var links = new Dictionary<string, IReadOnlyList<FriendLink>>();
        while (await r.ReadAsync())
        {
            if (!links.TryGetValue(r.GetString(0), out var list)) links[r.GetString(0)] = list = new List<FriendLink>();
            ((List<FriendLink>)list).Add(new(r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<string[]>(4),
                r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetBoolean(7)));
        }
        return links;
    }

    /// <summary>External ids of the account's current friends who are not already friends of any of <paramref name="except"/>.</summary>
    public async Task<IReadOnlyList<string>> FriendsAsync(string accountId, IReadOnlyCollection<string> except)
    {
        await using var cmd = db.CreateCommand("""
            select f.external_id from account_friends f
             where f.account_id = $1 and f.removed_at is null
               and not exists (select 1 from account_friends o where o.external_id = f.external_id and o.account_id = any($2) and o.removed_at is null)
             order by f.added_at, f.external_id
            """);
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = except.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    public async Task<IReadOnlyList<Alert>> OpenAlertsAsync()
    {
        await using var cmd = db.CreateCommand("select id, kind, subject_id, message, raised_at from alerts where resolved_at is null order by raised_at desc");
        await using var r = await cmd.ExecuteReaderAsync();
        var alerts = new List<Alert>();
        while (await r.ReadAsync()) alerts.Add(new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)));
        return alerts;
    }

    public async Task ResolveAlertAsync(long id)
    {
        await using var cmd = db.CreateCommand("update alerts set resolved_at = $2 where id = $1 and resolved_at is null");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<(long Scans, long FullScans, DateTimeOffset? LastFullAt)> ChannelStatsAsync(string channelId)
    {
        await using var cmd = db.CreateCommand("select scans, full_scans, last_full_at from channel_stats where channel_id = $1");
        cmd.Parameters.Add(new() { Value = channelId });
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? (r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2)) : (0, 0, null);
    }

    /// <summary>Scans and full scans of many channels in one read (a channel never scanned has none).</summary>
    public async Task<IReadOnlyDictionary<string, (long Scans, long FullScans)>> ChannelStatsAsync(IReadOnlyCollection<string> channelIds)
    {
        await using var cmd = db.CreateCommand("select channel_id, scans, full_scans from channel_stats where channel_id = any($1)");
        cmd.Parameters.Add(new() { Value = channelIds.ToArray() });
        await using var r = await cmd.ExecuteReaderAsync();
        var stats = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        while (await r.ReadAsync()) stats[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2));
        return stats;
    }

    /// <summary>Raises an alert unless the same one is already open.</summary>
    public async Task RaiseAlertAsync(string kind, string subjectId, string message)
    {
        await using var cmd = db.CreateCommand("insert into alerts (kind, subject_id, message, raised_at) values ($1, $2, $3, $4) on conflict (kind, subject_id) where resolved_at is null do nothing");
        cmd.Parameters.Add(new() { Value = kind });
        cmd.Parameters.Add(new() { Value = subjectId });
        cmd.Parameters.Add(new() { Value = message });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }
}
