using System.Text.Json;
using Matrix.Domain.Segments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Matrix.Grains.Segments;

/// <summary>
/// Every customer's facts a predicate names, in this node's memory, so a segment's live count while its predicate is
/// being built (<see cref="SegmentStore.PreviewAsync"/>) evaluates <see cref="SegmentMatch"/> over them instead of
/// reading customer_index (a tag's customers lie on as many pages as there are of them). Loaded when the node starts;
/// kept current from the rows changed since it last looked (Migrations/0023), every few seconds and before each count,
/// so a count is as current as the SQL's. Until loaded, counts go to SQL. Values repeated across customers (a class, a
/// channel, the same accounts, the same tags) are held once.
/// </summary>
public sealed partial class LiveFacts(NpgsqlDataSource db, ILogger<LiveFacts> logger) : BackgroundService
{
    private const string Columns = """
        id, class, band, stage, source_channel, accounts, array(select distinct t from unnest(tags || link_tags) t order by 1), purchase_count, spend,
        last_purchase_at, last_reply_at, last_touch_at, first_added_at, attributes::text, pg_snapshot_xmin(pg_current_snapshot())::text
        """;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly SemaphoreSlim _catchingUp = new(1, 1);
    private readonly Dictionary<string, int> _row = new(StringComparer.Ordinal);
    private readonly List<SegmentFacts> _facts = [];
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _lists = new(StringComparer.Ordinal);
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();
    private string? _since; // the oldest transaction running when the rows were last read (null: not loaded)

    public bool Loaded => Volatile.Read(ref _since) is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Retrying.EveryAsync(TimeSpan.FromSeconds(2), TimeProvider.System, CatchUpAsync, logger, "Keeping the live facts", stoppingToken);
    }

    /// <summary>How many of the customers of <paramref name="accounts"/> (null: all) match, and the first <paramref name="sample"/> by id; null when not loaded.</summary>
    public async Task<(int Count, IReadOnlyList<string> Sample)?> CountAsync(SegmentPredicate predicate, SegmentContext context, string[]? accounts, int sample)
    {
        if (!Loaded) return null;
        await CatchUpAsync(CancellationToken.None);
        var test = SegmentMatch.Compile(predicate, context);
        var scope = accounts is null ? null : new HashSet<string>(accounts, StringComparer.Ordinal);
        _lock.EnterReadLock();
        try
        {
            var matched = new List<string>[Environment.ProcessorCount];
            var count = 0;
            Parallel.For(0, matched.Length, part =>
            {
                var (mine, ids) = (0, new List<string>());
                for (int i = (int)((long)_facts.Count * part / matched.Length), end = (int)((long)_facts.Count * (part + 1) / matched.Length); i < end; i++)
                {
                    var f = _facts[i];
                    if ((scope is null || SegmentMatch.AnyIn(f.Accounts, scope)) && test(f))
                    {
                        mine++;
                        Keep(ids, f.Id, sample);
                    }
                }
                matched[part] = ids;
                Interlocked.Add(ref count, mine);
            });
            var first = new List<string>();
            foreach (var id in matched.SelectMany(m => m)) Keep(first, id, sample);
            return (count, first);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Keeps the <paramref name="limit"/> smallest ids, in order.</summary>
    private static void Keep(List<string> ids, string id, int limit)
    {
        if (ids.Count == limit && string.CompareOrdinal(id, ids[^1]) >= 0) return;
        var at = ids.BinarySearch(id, StringComparer.Ordinal);
        ids.Insert(at < 0 ? ~at : at, id);
        if (ids.Count > limit) ids.RemoveAt(ids.Count - 1);
    }

    /// <summary>Reads every row (the first time) or the rows written since the last read, and applies them.</summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await _catchingUp.WaitAsync(cancellationToken);
        try
        {
            var since = _since;
            // The last row, of nulls, carries the snapshot's oldest running transaction even when no customer changed.
            await using var cmd = db.CreateCommand($"select {Columns} from customer_index {(since is null ? "" : "where changed_xid >= $1::text::xid8")} "
                + $"union all select null, {NullColumns}, pg_snapshot_xmin(pg_current_snapshot())::text");
            if (since is not null) cmd.Parameters.Add(new() { Value = since });
            cmd.CommandTimeout = 0;
            var read = new List<SegmentFacts>();
            string? next = null;
            await using (var r = await cmd.ExecuteReaderAsync(cancellationToken))
                while (await r.ReadAsync(cancellationToken))
                {
                    next = r.GetString(14);
                    if (!r.IsDBNull(0)) read.Add(Read(r));
                }
            Apply(read);
            if (since is null)
            {
                LogLoaded(logger, read.Count);
                // The load leaves a million young objects behind; collected now, once, they are not collected in a
                // pause during someone's first counts.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            }
            Volatile.Write(ref _since, next);
        }
        finally
        {
            _catchingUp.Release();
        }
    }

    private const string NullColumns = "null, null, null, null, null, null, null, null, null, null, null, null, null";

    private SegmentFacts Read(NpgsqlDataReader r)
    {
        DateTimeOffset? At(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
        string? Text(int i) => r.IsDBNull(i) ? null : Intern(r.GetString(i));
        var attributes = r.GetString(13);
        return new(r.GetString(0), Text(1), Text(2), Text(3), Text(4), List(r.GetFieldValue<string[]>(5)), List(r.GetFieldValue<string[]>(6)),
            r.GetInt32(7), r.GetDecimal(8), At(9), At(10), At(11), At(12),
            attributes == "{}" ? NoAttributes : JsonSerializer.Deserialize<Dictionary<string, string>>(attributes) ?? NoAttributes);
    }

    private void Apply(List<SegmentFacts> read)
    {
        if (read.Count == 0) return;
        _lock.EnterWriteLock();
        try
        {
            foreach (var f in read)
                if (_row.TryGetValue(f.Id, out var i)) _facts[i] = f;
                else
                {
                    _row[f.Id] = _facts.Count;
                    _facts.Add(f);
                }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    // Only the reading loop (under _catchingUp) interns.
    private string Intern(string value) => _strings.TryGetValue(value, out var held) ? held : _strings[value] = value;

    private string[] List(string[] values)
    {
        if (values.Length == 0) return [];
        var key = string.Join('\u001f', values);
        return _lists.TryGetValue(key, out var held) ? held : _lists[key] = [.. values.Select(Intern)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live facts loaded: {Customers} customers")]
    private static partial void LogLoaded(ILogger logger, int customers);
}
