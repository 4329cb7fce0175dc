using System.Text.Json;
using Matrix.Domain;
using Matrix.Domain.Segments;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Npgsql;

namespace Matrix.Grains.Segments;

/// <summary>A live count: how many match, the first of them by id, and whether it was counted in the node's memory (else in the database).</summary>
public sealed record SegmentCount(int Count, IReadOnlyList<string> Sample, bool InMemory);

/// <summary>A saved segment, with when its members were last counted (null: not yet).</summary>
public sealed record Segment(string Id, string Name, string? Team, SegmentPredicate Predicate, int Version, string CreatedBy, DateTimeOffset UpdatedAt,
    int? CountedVersion, DateTimeOffset? CountedAt, int Members);

/// <summary>An entry or exit: "entered 会员日人群 on 12-01: purchase of 镜片".</summary>
public sealed record SegmentChange(string SegmentId, string SegmentName, string CustomerId, DateTimeOffset At, bool Entered, string Reason, string? Detail);

/// <summary>
/// Segments and their members (Migrations/0019). Members change two ways, both under the segment's advisory lock so
/// they never interleave: a customer's facts changed (<see cref="MoveAsync"/>, from <see cref="CustomerFacts"/>),
/// or the whole segment is counted again (<see cref="RecountAsync"/>: a new version, or a night passed). A recount
/// only commits if its version is still the segment's: one started before an edit is abandoned.
/// </summary>
public sealed class SegmentStore(NpgsqlDataSource db, IGrainFactory grains, MatrixDirectory directory, StoreClock clock, LiveFacts live)
{
    public async Task<SegmentContext> ContextAsync()
    {
        var accounts = await directory.AccountsAsync();
        return new(
            accounts.Where(a => a.Profile.PersonaId is not null).GroupBy(a => a.Profile.PersonaId!).ToDictionary(g => g.Key, g => g.Select(a => a.Id).ToArray()),
            accounts.Where(a => a.Profile.Team is not null).GroupBy(a => a.Profile.Team!).ToDictionary(g => g.Key, g => g.Select(a => a.Id).ToArray()),
            await grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Get(), clock.UtcNow, clock.Today);
    }

    /// <summary>Refuses a predicate that cannot be evaluated, naming each part that is wrong.</summary>
    public async Task ValidateAsync(SegmentPredicate? predicate)
    {
        if (predicate is null) throw DomainValidationException.Of("predicate", RuleKeys.Required, "is required");
        DomainValidationException.ThrowIfAny([.. predicate.Validate((await ContextAsync()).Tags)]);
    }

    /// <summary>How many customers match, and the first <paramref name="sample"/> of them by id, among <paramref name="accounts"/>' customers (null: all).</summary>
    public async Task<SegmentCount> PreviewAsync(SegmentPredicate predicate, string[]? accounts, int sample = 20)
    {
        await ValidateAsync(predicate);
        var context = await ContextAsync();
        // In memory when the facts are loaded and the predicate names no orders of a category or window.
        if (!SegmentMatch.NeedsOrders(predicate) && await live.CountAsync(predicate, context, accounts, sample) is { } counted)
            return new(counted.Count, counted.Sample, InMemory: true);
        var (count, ids) = await PreviewInSqlAsync(predicate, context, accounts, sample);
        return new(count, ids, InMemory: false);
    }

    /// <summary>The same count over customer_index (a validated predicate).</summary>
    public async Task<(int Count, IReadOnlyList<string> Sample)> PreviewInSqlAsync(SegmentPredicate predicate, SegmentContext context, string[]? accounts, int sample = 20)
    {
        var sql = SegmentSql.Of(predicate, context, first: 3);
        await using var batch = db.CreateBatch();
        var scope = accounts is null ? "true" : "c.accounts && $1";
        batch.BatchCommands.Add(Command($"select count(*)::int from customer_index c where {scope} and {sql.Condition}", accounts, sample, sql));
        batch.BatchCommands.Add(Command($"select c.id from customer_index c where {scope} and {sql.Condition} order by c.id limit $2", accounts, sample, sql));
        await using var r = await batch.ExecuteReaderAsync();
        await r.ReadAsync();
        var count = r.GetInt32(0);
        await r.NextResultAsync();
        var ids = new List<string>();
        while (await r.ReadAsync()) ids.Add(r.GetString(0));
        return (count, ids);
    }

    private static NpgsqlBatchCommand Command(string text, string[]? accounts, int limit, SegmentSql sql)
    {
        var cmd = new NpgsqlBatchCommand(text) { Parameters = { new() { Value = accounts ?? [] }, new() { Value = limit } } };
        foreach (var p in sql.Parameters) cmd.Parameters.Add(p.Clone());
        return cmd;
    }

    public async Task<Segment> SaveAsync(string? id, string name, string? team, SegmentPredicate predicate, string by)
    {
        await ValidateAsync(predicate);
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 64) throw DomainValidationException.Of("name", RuleKeys.TooLong, "must be 1 to 64 characters");
        await using var cmd = db.CreateCommand("""
            insert into segments (id, name, team, predicate, version, created_by, updated_at) values ($1, $2, $3, $4::jsonb, 1, $5, $6)
            on conflict (id) do update set name = excluded.name, predicate = excluded.predicate, updated_at = excluded.updated_at,
                   version = segments.version + case when segments.predicate = excluded.predicate then 0 else 1 end
             where segments.deleted_at is null
            returning id
            """);
        cmd.Parameters.Add(new() { Value = id ?? Guid.NewGuid().ToString("N")[..12] });
        cmd.Parameters.Add(new() { Value = name.Trim() });
        cmd.Parameters.Add(new() { Value = (object?)team ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(predicate, StateSerializer.Options) });
        cmd.Parameters.Add(new() { Value = by });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        var saved = await cmd.ExecuteScalarAsync() as string ?? throw new KeyNotFoundException($"segment {id}");
        return (await GetAsync(saved))!;
    }

    public async Task DeleteAsync(string id)
    {
        await using var cmd = db.CreateCommand("""
            with gone as (update segments set deleted_at = $2 where id = $1 and deleted_at is null returning id)
            delete from segment_members where segment_id in (select id from gone)
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<Segment?> GetAsync(string id) => (await ListAsync(id)).SingleOrDefault();

    /// <summary>The segments (one, or all not deleted), each with its member count unless <paramref name="withCounts"/> is false.</summary>
    public async Task<IReadOnlyList<Segment>> ListAsync(string? id = null, bool withCounts = true)
    {
        await using var cmd = db.CreateCommand($"""
            select s.id, s.name, s.team, s.predicate::text, s.version, s.created_by, s.updated_at, s.counted_version, s.counted_at,
                   {(withCounts ? "(select count(*)::int from segment_members m where m.segment_id = s.id)" : "0")}
              from segments s where s.deleted_at is null and ($1::text is null or s.id = $1) order by s.name, s.id
            """);
        cmd.Parameters.Add(new() { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<Segment>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                JsonSerializer.Deserialize<SegmentPredicate>(r.GetString(3), StateSerializer.Options)!, r.GetInt32(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6),
                r.IsDBNull(7) ? null : r.GetInt32(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.GetInt32(9)));
        return list;
    }

    /// <summary>Members among <paramref name="accounts"/>' customers (null: all), by id, a page after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<(string CustomerId, DateTimeOffset EnteredAt, string Reason)>> MembersAsync(string id, string[]? accounts, string? after, int limit)
    {
        await using var cmd = db.CreateCommand($"""
            select m.customer_id, m.entered_at, m.reason from segment_members m
              {(accounts is null ? "" : "join customer_index c on c.id = m.customer_id and c.accounts && $4")}
             where m.segment_id = $1 and m.customer_id > $2 order by m.customer_id limit $3
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = after ?? "" });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = accounts ?? [] });
        var members = new List<(string, DateTimeOffset, string)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) members.Add((r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2)));
        return members;
    }

    /// <summary>How many members are customers of <paramref name="accounts"/>.</summary>
    public async Task<int> CountAsync(string id, string[] accounts)
    {
        await using var cmd = db.CreateCommand("""
            select count(*)::int from segment_members m join customer_index c on c.id = m.customer_id and c.accounts && $2 where m.segment_id = $1
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = accounts });
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>A customer's entries and exits, newest first.</summary>
    public async Task<IReadOnlyList<SegmentChange>> HistoryAsync(string customerId, int limit = 100)
    {
        await using var cmd = db.CreateCommand("""
            select h.segment_id, s.name, h.customer_id, h.at, h.entered, h.reason, h.detail from segment_history h join segments s on s.id = h.segment_id
             where h.customer_id = $1 order by h.at desc, h.id desc limit $2
            """);
        cmd.Parameters.Add(new() { Value = customerId });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<SegmentChange>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetBoolean(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6)));
        return list;
    }

    /// <summary>
    /// Moves a batch of customers whose facts just changed in or out of every segment, recording why; in the facts'
    /// own transaction, so the facts and the memberships never disagree.
    /// </summary>
    internal async Task MoveAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyDictionary<string, (string Reason, string? Detail)> changes,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var segments = await ListAsync(withCounts: false);
        if (segments.Count == 0) return;
        var context = await ContextAsync();
        var ids = changes.Keys.ToArray();
        foreach (var segment in segments.OrderBy(s => s.Id, StringComparer.Ordinal)) // one order: two batches never wait on each other's locks in a cycle
        {
            var sql = SegmentSql.Of(segment.Predicate, context with { Now = now }, first: 7);
            await LockAsync(connection, tx, segment.Id, cancellationToken);
            await using var cmd = new NpgsqlCommand($"""
                with now_in as (select c.id from customer_index c where c.id = any($2) and coalesce({sql.Condition}, false)),
                left_ as (delete from segment_members m where m.segment_id = $1 and m.customer_id = any($2) and m.customer_id not in (select id from now_in) returning m.customer_id),
                came as (insert into segment_members (segment_id, customer_id, entered_at, reason)
                         select $1, id, $3, r.reason from now_in join unnest($2, $4::text[], $5::text[]) as r(id2, reason, detail) on r.id2 = now_in.id
                         on conflict do nothing returning customer_id)
                insert into segment_history (segment_id, customer_id, at, entered, reason, detail, version)
                select $1, x.customer_id, $3, x.entered, r.reason, nullif(r.detail, ''), $6
                  from (select customer_id, false as entered from left_ union all select customer_id, true from came) x
                  join unnest($2, $4::text[], $5::text[]) as r(id, reason, detail) on r.id = x.customer_id
                """, connection, tx);
            cmd.Parameters.Add(new() { Value = segment.Id });
            cmd.Parameters.Add(new() { Value = ids });
            cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = ids.Select(i => changes[i].Reason).ToArray() });
            cmd.Parameters.Add(new() { Value = ids.Select(i => changes[i].Detail ?? "").ToArray() });
            cmd.Parameters.Add(new() { Value = segment.Version });
            foreach (var p in sql.Parameters) cmd.Parameters.Add(p.Clone());
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Counts the segment's members again from every customer, recording who entered and left with
    /// <paramref name="reason"/> (recount after an edit, time after a night). Commits only if <paramref name="version"/>
    /// is still the segment's; returns whether it did.
    /// </summary>
    public async Task<bool> RecountAsync(string id, int version, string reason, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(id) is not { } segment || segment.Version != version) return false;
        var sql = SegmentSql.Of(segment.Predicate, await ContextAsync());
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, tx, id, cancellationToken);
        await using (var fill = new NpgsqlCommand($"create temp table now_in on commit drop as select c.id from customer_index c where coalesce({sql.Condition}, false)", connection, tx))
        {
            foreach (var p in sql.Parameters) fill.Parameters.Add(p.Clone());
            await fill.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var index = new NpgsqlCommand("create unique index on now_in (id)", connection, tx)) await index.ExecuteNonQueryAsync(cancellationToken);
        await using (var cmd = new NpgsqlCommand("""
            with left_ as (delete from segment_members m where m.segment_id = $1 and not exists (select 1 from now_in n where n.id = m.customer_id) returning m.customer_id)
               , came as (insert into segment_members (segment_id, customer_id, entered_at, reason) select $1, id, $2, $3 from now_in
                          on conflict do nothing returning customer_id)
            insert into segment_history (segment_id, customer_id, at, entered, reason, version)
            select $1, customer_id, $2, false, $3, $4 from left_ union all select $1, customer_id, $2, true, $3, $4 from came
            """, connection, tx))
        {
            cmd.Parameters.Add(new() { Value = id });
            cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = reason });
            cmd.Parameters.Add(new() { Value = version });
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var mark = new NpgsqlCommand("update segments set counted_version = $2, counted_at = $3 where id = $1 and version = $2 and deleted_at is null", connection, tx))
        {
            mark.Parameters.Add(new() { Value = id });
            mark.Parameters.Add(new() { Value = version });
            mark.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
            if (await mark.ExecuteNonQueryAsync(cancellationToken) == 0) return false; // edited meanwhile: the newer version's count stands, not this one
        }
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    // Members of one segment change under its lock, whoever changes them (a batch of facts, a recount).
    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string segmentId, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('segment:' || $1))", connection, tx);
        cmd.Parameters.Add(new() { Value = segmentId });
        await cmd.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Segments whose members are not of their version, or not counted since <paramref name="since"/> (a night passed).</summary>
    public async Task<IReadOnlyList<(string Id, int Version, bool Edited)>> DueAsync(DateTimeOffset since)
    {
        await using var cmd = db.CreateCommand("""
            select id, version, counted_version is distinct from version from segments
             where deleted_at is null and (counted_version is distinct from version or counted_at < $1) order by updated_at
            """);
        cmd.Parameters.Add(new() { Value = since.ToUniversalTime() });
        var due = new List<(string, int, bool)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) due.Add((r.GetString(0), r.GetInt32(1), r.GetBoolean(2)));
        return due;
    }
}
