using System.Text.Json;
using Matrix.Domain.Customers;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Matrix.Grains.Segments;

/// <summary>The facts a segment may name, as customer_index holds them (Migrations/0019).</summary>
public sealed record FactsRow(string Class, string Band, string Stage, int Score, int PurchaseCount, decimal Spend, DateTimeOffset? LastPurchaseAt,
    DateTimeOffset? LastReplyAt, DateTimeOffset? LastTouchAt, string[] Tags, string Attributes, int Friends)
{
    /// <summary>The facts of a customer now, by the domain's rules.</summary>
    public static FactsRow Of(CustomerRecord customer, CustomerSettings settings, DateTimeOffset now)
    {
        var facts = customer.Facts(now);
        var score = CustomerRules.Score(facts, settings, now);
        var counted = customer.State.Purchases.Where(p => p.Counts).ToList();
        return new(CustomerRules.Classify(counted.Count, settings).ToString(), CustomerRules.Band(score.Total, settings).ToString(),
            CustomerRules.Stage(facts, settings, now).ToString(), score.Total, counted.Count, counted.Sum(p => p.Amount),
            counted.Count == 0 ? null : counted.Max(p => p.At), customer.State.LastReplyAt,
            customer.State.TouchesAt.Count == 0 ? null : customer.State.TouchesAt.Max(), [.. customer.State.Tags],
            JsonSerializer.Serialize(customer.State.Profile.Fields), customer.Accounts.Count(a => a.RemovedAt is null));
    }

    /// <summary>
    /// Why a customer's segments may have changed, from the facts before and after: the first of purchase, refund,
    /// tag, profile, add, delete, reply, touch that differs, else time (a rule's judgement moved with the clock).
    /// </summary>
    public static (string Reason, string? Detail) Change(FactsRow? before, FactsRow after, CustomerRecord customer)
    {
        if (before is null) return ("add", null);
        if (after.PurchaseCount > before.PurchaseCount || after.LastPurchaseAt > before.LastPurchaseAt)
            return ("purchase", customer.State.Purchases.Where(p => p.Counts).MaxBy(p => p.At) is { } last
                ? string.Join(' ', last.Items.Select(i => i.Category).Where(c => c is not null).Distinct()) : null);
        if (after.PurchaseCount < before.PurchaseCount || after.Spend != before.Spend) return ("refund", null);
        if (!after.Tags.SequenceEqual(before.Tags))
            return ("tag", string.Join(' ', after.Tags.Except(before.Tags).Select(t => "+" + t).Concat(before.Tags.Except(after.Tags).Select(t => "-" + t))));
        if (after.Attributes != before.Attributes) return ("profile", null);
        if (after.Friends > before.Friends) return ("add", null);
        if (after.Friends < before.Friends) return ("delete", null);
        if (after.LastReplyAt != before.LastReplyAt) return ("reply", null);
        if (after.LastTouchAt != before.LastTouchAt) return ("touch", null);
        return ("time", null);
    }
}

/// <summary>
/// Keeps customer_index's facts true (Migrations/0019): takes a batch of customers whose facts are due (the grain
/// saved, a friendship changed, a night passed), computes their facts from the grain's stored state and the ledger
/// with the domain's rules, writes them, and moves the batch in or out of every segment with the reason. Every node
/// runs it; rows are taken with skip locked, so two nodes never work on one customer at once.
/// </summary>
public sealed class CustomerFacts(NpgsqlDataSource db, StoreClock clock, SegmentStore segments, CapacityLedger ledger, IOptions<CustomerSettings> settings, IOptions<ClusterOptions> cluster)
{
    public const int BatchSize = 500;

    /// <summary>Refreshes one batch; returns how many customers it took (0: none due).</summary>
    public async Task<int> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var due = new Dictionary<string, (DateTimeOffset DueAt, FactsRow? Before)>(StringComparer.Ordinal);
        await using (var take = new NpgsqlCommand("""
            select id, facts_due_at, class, band, stage, score, purchase_count, spend, last_purchase_at, last_reply_at, last_touch_at, tags, attributes::text, friends
              from customer_index where facts_due_at is not null order by facts_due_at, id limit $1 for update skip locked
            """, connection, tx))
        {
            take.Parameters.Add(new() { Value = BatchSize });
            await using var r = await take.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
                due[r.GetString(0)] = (r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : new FactsRow(r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5),
                    r.GetInt32(6), r.GetDecimal(7), Time(r, 8), Time(r, 9), Time(r, 10), r.GetFieldValue<string[]>(11), r.GetString(12), r.IsDBNull(13) ? 0 : r.GetInt32(13)));
        }
        if (due.Count == 0) return 0;

        var ids = due.Keys.ToArray();
        var states = await StatesAsync(connection, tx, ids, cancellationToken);
        var links = await ledger.LinksAsync(ids); // the rows are locked here, not the friendships: the ledger's own read
        var now = clock.UtcNow;
        var rows = ids.Select(id =>
        {
            var customer = new CustomerRecord(id, links.GetValueOrDefault(id) ?? [], states.GetValueOrDefault(id) ?? new CustomerState());
            var after = FactsRow.Of(customer, settings.Value, now);
            return (Id: id, due[id].DueAt, After: after, Change: FactsRow.Change(due[id].Before, after, customer));
        }).ToList();

        await using (var write = new NpgsqlCommand("""
            update customer_index c set class = f.class, band = f.band, stage = f.stage, score = f.score, purchase_count = f.purchase_count, spend = f.spend,
                   last_purchase_at = f.last_purchase_at, last_reply_at = f.last_reply_at, last_touch_at = f.last_touch_at, attributes = f.attributes::jsonb, tags = t.tags,
                   friends = f.friends, facts_at = $14,
                   -- Cleared only if no change came after the read: a later one is refreshed again.
                   facts_due_at = case when c.facts_due_at = f.due_at then null else c.facts_due_at end
              from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::numeric[], $9::timestamptz[],
                          $10::timestamptz[], $11::timestamptz[], $12::text[], $13::int[], $15::text[])
                   as f(id, due_at, class, band, stage, score, purchase_count, spend, last_purchase_at, last_reply_at, last_touch_at, attributes, friends, tags_text)
                   cross join lateral (select coalesce(array(select jsonb_array_elements_text(f.tags_text::jsonb)), '{}') as tags) t
             where c.id = f.id
            """, connection, tx))
        {
            write.Parameters.Add(new() { Value = ids });
            write.Parameters.Add(new() { Value = rows.Select(r => r.DueAt.ToUniversalTime()).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Class).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Band).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Stage).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Score).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.PurchaseCount).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Spend).ToArray() });
            write.Parameters.Add(Times(rows.Select(r => r.After.LastPurchaseAt)));
            write.Parameters.Add(Times(rows.Select(r => r.After.LastReplyAt)));
            write.Parameters.Add(Times(rows.Select(r => r.After.LastTouchAt)));
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Attributes).ToArray() });
            write.Parameters.Add(new() { Value = rows.Select(r => r.After.Friends).ToArray() });
            write.Parameters.Add(new() { Value = now.ToUniversalTime() });
            write.Parameters.Add(new() { Value = rows.Select(r => JsonSerializer.Serialize(r.After.Tags)).ToArray() }); // an array of arrays, as JSON
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await segments.MoveAsync(connection, tx, rows.ToDictionary(r => r.Id, r => r.Change), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return ids.Length;
    }

    /// <summary>Every customer's facts due again: the nightly pass for the rules that move with the clock (dormant, recency).</summary>
    public async Task MarkAllDueAsync(CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand("update customer_index set facts_due_at = clock_timestamp() where facts_due_at is null and (facts_at is null or facts_at < $1)");
        cmd.Parameters.Add(new() { Value = clock.StartOf(clock.Today).ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<Dictionary<string, CustomerState>> StatesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string[] ids, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand("""
            select id, state from (select id, matrix_customer_state(id, $2) as state from unnest($1::text[]) as id) s where state is not null
            """, connection, tx);
        read.Parameters.Add(new() { Value = ids });
        read.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        var states = new Dictionary<string, CustomerState>(StringComparer.Ordinal);
        await using var r = await read.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
            if (JsonSerializer.Deserialize<CustomerState>(r.GetFieldValue<byte[]>(1), StateSerializer.Options) is { } state) states[r.GetString(0)] = state;
        return states;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private static NpgsqlParameter Times(IEnumerable<DateTimeOffset?> values) => new()
    {
        Value = values.Select(v => v is { } t ? (object)t.ToUniversalTime() : DBNull.Value).ToArray(),
        NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz,
    };
}
