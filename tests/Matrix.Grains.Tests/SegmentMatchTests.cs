using Matrix.Domain.Segments;
using Matrix.Grains.Customers;
using Matrix.Grains.Segments;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Grains.Tests;

/// <summary>
/// <see cref="SegmentMatch"/> (a predicate over one customer's facts, in C#) means what <see cref="SegmentSql"/>
/// (the same predicate over customer_index, in SQL) means: random predicates over random facts, including the
/// facts a customer lacks and malformed dates, count the same customers both ways.
/// </summary>
public sealed class SegmentMatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 15, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly string[] Classes = ["A", "B", "C", "D"], Bands = ["S", "A", "B", "C"], Stages = ["Added", "Engaged", "Repeat", "Dormant", "Lost"];
    private static readonly string[] Channels = ["poster", "store", "ad"], Accounts = ["a-1", "a-2", "a-3", "a-4"];
    private static readonly string[] Vision = ["近视", "远视", "散光"], People = ["学生", "会员", "老人"];

    [Fact]
    public async Task Random_predicates_over_random_facts_count_the_same_customers_in_csharp_and_in_sql()
    {
        await using var cluster = await MatrixCluster.StartAsync(1, new ManualTimeProvider(Now));
        var node = cluster.Nodes[0];
        await node.Grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Define("视力", Vision);
        await node.Grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Define("人群", People);
        var random = new Random(20261202);
        var facts = Enumerable.Range(0, 400).Select(i => Facts(random, $"seg-{i:D3}")).ToList();
        await InsertAsync(cluster.ConnectionString, facts);

        var store = node.Service<SegmentStore>();
        var context = await store.ContextAsync();
        var matched = 0;
        var predicates = Enumerable.Range(0, 300).Select(_ => Predicate(random, depth: 0)).ToList();
        foreach (var predicate in predicates)
        {
            var expected = facts.Where(f => SegmentMatch.Matches(predicate, f, context)).Select(f => f.Id).Order(StringComparer.Ordinal).ToList();
            var (count, sample) = await store.PreviewInSqlAsync(predicate, context, null);
            Assert.True(expected.Count == count, $"{System.Text.Json.JsonSerializer.Serialize(predicate, Compact)}: C# {expected.Count}, SQL {count}");
            Assert.Equal(expected.Take(20), sample);
            if (count is > 0 and < 400) matched++;
        }
        Assert.True(matched > 100, $"only {matched} predicates split the customers"); // the predicates discriminate, not all-or-nothing

        // The node's facts in memory count the same, and follow rows rewritten since they were loaded (a later batch of facts).
        var live = node.Service<LiveFacts>();
        await Until(() => live.Loaded);
        var changed = Enumerable.Range(0, 400).Where(i => i % 3 == 0).Select(i => Facts(random, $"seg-{i:D3}")).ToList();
        await InsertAsync(cluster.ConnectionString, changed);
        foreach (var f in changed) facts[facts.FindIndex(g => g.Id == f.Id)] = f;
        foreach (var predicate in predicates.Take(100))
        {
            var expected = facts.Where(f => SegmentMatch.Matches(predicate, f, context)).Select(f => f.Id).Order(StringComparer.Ordinal).ToList();
            var (count, sample) = (await live.CountAsync(predicate, context, null, 20))!.Value;
            Assert.True(expected.Count == count, $"{System.Text.Json.JsonSerializer.Serialize(predicate, Compact)}: expected {expected.Count}, in memory {count}");
            Assert.Equal(expected.Take(20), sample);
            var scoped = (await live.CountAsync(predicate, context, ["a-2"], 20))!.Value;
            Assert.Equal((await store.PreviewInSqlAsync(predicate, context, ["a-2"])).Count, scoped.Count);
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the live facts never loaded");
            await Task.Delay(20);
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Compact = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static SegmentFacts Facts(Random r, string id)
    {
        // Absent, at a day's boundary of a condition (exactly so many days ago), or anywhere in the last 400 days.
        DateTimeOffset? When() => r.Next(4) switch { 0 => null, 1 => Now.AddDays(-r.Next(0, 200)), _ => Now.AddDays(-r.Next(0, 400)).AddMinutes(-r.Next(1440)) };
        var attributes = r.Next(3) switch
        {
            0 => new Dictionary<string, string>(),
            1 => new Dictionary<string, string> { ["birthday"] = new DateOnly(1990 + r.Next(20), 1 + r.Next(12), 1 + r.Next(28)).ToString("yyyy-MM-dd") },
            _ => new Dictionary<string, string> { ["birthday"] = new[] { "1990", "1990-0", "1990-07", "1990-07-1", "生日七月" }[r.Next(5)] },
        };
        return new(id, Pick(r, Classes), Pick(r, Bands), Pick(r, Stages), Pick(r, Channels), [.. Accounts.Where(_ => r.Next(3) == 0)],
            [.. Vision.Concat(People).Where(_ => r.Next(4) == 0)], r.Next(6), r.Next(0, 5000), When(), When(), When(), When() ?? Now.AddDays(-500), attributes);
    }

    private static string? Pick(Random r, string[] values) => r.Next(values.Length + 1) is var i && i == values.Length ? null : values[i];

    private static SegmentPredicate Predicate(Random r, int depth)
    {
        if (depth < 2 && r.Next(3) == 0)
        {
            var parts = Enumerable.Range(0, 1 + r.Next(3)).Select(_ => Predicate(r, depth + 1)).ToList();
            return r.Next(3) switch { 0 => new() { All = parts }, 1 => new() { Any = parts }, _ => new() { Not = parts[0] } };
        }
        string[] Some(string[] values) => [.. values.Where(_ => r.Next(2) == 0).DefaultIfEmpty(values[r.Next(values.Length)])];
        return r.Next(13) switch
        {
            0 => new() { Field = "class", In = Some(Classes) },
            1 => new() { Field = "band", In = Some(Bands) },
            2 => new() { Field = "stage", In = Some(Stages) },
            3 => new() { Field = "channel", In = Some(Channels) },
            4 => new() { Field = "account", In = Some(Accounts) },
            5 => new() { Field = "tags", In = Some([.. Vision, .. People]), Match = new[] { null, "any", "all", "none" }[r.Next(4)] },
            6 => new() { Field = "tags", Dimension = r.Next(2) == 0 ? "视力" : "人群" },
            7 => new() { Field = "purchases", Min = r.Next(2) == 0 ? r.Next(4) : null, Max = 3 + r.Next(3) },
            8 => new() { Field = "spend", Min = r.Next(3000) },
            9 or 10 => When(r, new[] { "lastPurchase", "lastTouch", "lastReply", "added" }[r.Next(4)]),
            11 => new() { Field = "attribute", Key = "birthday", ThisMonth = true },
            _ => new() { Field = "attribute", Key = "birthday", WithinDays = r.Next(60) },
        };
    }

    private static SegmentPredicate When(Random r, string field) => (r.Next(3), field) switch
    {
        (0, not "added") => new() { Field = field, Never = true },
        (1, _) => new() { Field = field, BeforeDays = r.Next(200) },
        _ => new() { Field = field, WithinDays = r.Next(200) },
    };

    private static async Task InsertAsync(string connectionString, IReadOnlyList<SegmentFacts> facts)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var f in facts)
        {
            // Own and channel tags split at random: a predicate reads them together.
            var own = f.Tags.Where((_, i) => i % 2 == 0).ToArray();
            await using var cmd = new NpgsqlCommand("""
                insert into customer_index (id, class, band, stage, source_channel, accounts, tags, link_tags, purchase_count, spend,
                                            last_purchase_at, last_reply_at, last_touch_at, first_added_at, attributes, facts_due_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, null)
                on conflict (id) do update set class = excluded.class, band = excluded.band, stage = excluded.stage, source_channel = excluded.source_channel,
                    accounts = excluded.accounts, tags = excluded.tags, link_tags = excluded.link_tags, purchase_count = excluded.purchase_count,
                    spend = excluded.spend, last_purchase_at = excluded.last_purchase_at, last_reply_at = excluded.last_reply_at,
                    last_touch_at = excluded.last_touch_at, first_added_at = excluded.first_added_at, attributes = excluded.attributes
                """, connection);
            foreach (var value in new object?[] { f.Id, f.Class, f.Band, f.Stage, f.Channel, f.Accounts.ToArray(), own, f.Tags.Except(own).ToArray(), f.PurchaseCount, f.Spend,
                         f.LastPurchaseAt?.ToUniversalTime(), f.LastReplyAt?.ToUniversalTime(), f.LastTouchAt?.ToUniversalTime(), f.AddedAt?.ToUniversalTime(),
                         System.Text.Json.JsonSerializer.Serialize(f.Attributes) })
                cmd.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown } : new NpgsqlParameter { Value = value });
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
