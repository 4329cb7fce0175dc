using System.Text;
using System.Text.Json;
using Matrix.Domain.Customers;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using NpgsqlTypes;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;

namespace Matrix.Bench;

/// <summary>
/// A chain's customers written in bulk (binary COPY, one stream per table, side by side): each customer's friendships
/// (a few on two accounts, one in twenty-five gone, one in a hundred removed by us), their row in the customer list,
/// their grain state (name, phone, remark, hand tags, purchases, replies, touches) as the customer grain stores it,
/// their purchases' order claims, their add events, a year of follow-up tasks (done, skipped or expired; those closed
/// over <c>TasksHotFor</c> ago already in the archive, as the sweep would have put them; the last days' still open),
/// the channels' scans and the accounts' counters. Every customer is a pure function of its number, so each table's
/// stream computes the rows it needs on its own.
/// </summary>
internal sealed class ChainBulk(ChainShape shape, int customers, DateTimeOffset now)
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"];
    private static readonly string[] Titles = ["女士", "先生", "同学", "阿姨"];
    private static readonly string[] HandTags = ["近视", "隐形眼镜", "太阳镜", "护眼"];
    private static readonly string[] Categories = ["lens", "frames", "sunglasses", "contacts"];
    private static readonly TimeSpan Year = TimeSpan.FromDays(365);
    private static readonly TimeSpan HotFor = TimeSpan.FromDays(90);

    private readonly string[] _accounts = shape.AccountIds.ToArray();
    private readonly string[] _channels = shape.Teams.SelectMany(t => t.AccountIds.Select(_ => t.ChannelId)).ToArray();

    public async Task FillAsync(NpgsqlDataSource db)
    {
        // The list's row is written whole here, as the friendship trigger and the customer grain would together.
        await ExecuteAsync(db, "alter table account_friends disable trigger customer_linked, disable trigger relationship_logged");
        await Task.WhenAll(
            CopyAsync(db, "copy customer_index (id, display_name, phone, search_text, first_added_at, accounts, source_channel, link_text, plans, tags) from stdin (format binary)", WriteIndexAsync),
            CopyAsync(db, "copy account_friends (account_id, external_id, channel_id, channel_state, channel_tags, added_at, removed_at, removed_by_customer) from stdin (format binary)", WriteFriendsAsync),
            CopyAsync(db, "copy friend_events (idempotency_key, kind, account_id, external_id, occurred_at, outcome) from stdin (format binary)", WriteEventsAsync),
            CopyAsync(db, "copy purchase_orders (order_id, customer_id, claimed_at, at, amount, categories, account_id) from stdin (format binary)", WriteOrdersAsync),
            CopyAsync(db, "copy replies (account_id, customer_id, at) from stdin (format binary)", WriteRepliesAsync),
            CopyAsync(db, "copy tasks_archive (id, account_id, kind, body, due_at, origin, status, created_at, done_at, done_by, category) from stdin (format binary)", WritePostsAsync),
            CopyAsync(db, "copy tasks (id, account_id, customer_id, kind, body, due_at, origin, status, created_at, done_at, done_by, skip_reason) from stdin (format binary)", w => WriteTasksAsync(w, hot: true)),
            CopyAsync(db, "copy tasks_archive (id, account_id, customer_id, kind, body, due_at, origin, status, created_at, done_at, done_by, skip_reason) from stdin (format binary)", w => WriteTasksAsync(w, hot: false)),
            WriteStatesAsync(db),
            WriteRemindersAsync(db));
        await ExecuteAsync(db, "alter table account_friends enable trigger customer_linked, enable trigger relationship_logged");
        // The relationship log as its trigger would have written it, add and loss (the same statements as the log's migration's backfill).
        await ExecuteAsync(db, """
            insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at, logged_at)
            select added_at, 'added', account_id, external_id, channel_id, added_at, added_at from account_friends;
            insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at, logged_at)
            select removed_at, case when removed_by_customer then 'lost' else 'removed' end, account_id, external_id, channel_id, added_at, removed_at
              from account_friends where removed_at is not null;
            update relationship_events e set first_arrival = true
              from (select distinct on (customer_id) id from relationship_events where kind = 'added' order by customer_id, at, id) f
             where e.id = f.id;
            """);
        await ExecuteAsync(db, """
            update account_ledger l set friends = f.n
              from (select account_id, count(*)::int n from account_friends where removed_at is null group by 1) f
             where f.account_id = l.account_id;
            insert into channel_stats (channel_id, scans)
            select channel_id, (count(*) * 13 / 10)::bigint from account_friends where channel_id is not null group by 1
            on conflict (channel_id) do update set scans = excluded.scans;
            insert into daily_scans (channel_id, day, scans)
            select channel_id, (added_at at time zone 'Asia/Shanghai')::date, (count(*) * 13 / 10)::bigint from account_friends where channel_id is not null group by 1, 2
            on conflict (channel_id, day) do update set scans = excluded.scans;
            """);
        // The bench measures the chain's reads; the customers' facts (segments' first pass, Segments/CustomerFacts) are
        // not computed for a chain built with SQL, so no node spends the run refreshing a million of them.
        await ExecuteAsync(db, "update customer_index set facts_due_at = null");
        await ExecuteAsync(db, "vacuum analyze");
    }

    private sealed record Customer(int N, string Id, string Account, string? Second, string Channel, DateTimeOffset AddedAt, DateTimeOffset? RemovedAt,
        bool RemovedByCustomer, string Name, string Phone, string? Remark, string[] Tags, Purchase[] Purchases, DateTimeOffset? LastReplyAt);

    // Customer 0 arrived a moment ago, the last one a year ago; each account gets every accounts-th arrival.
    private Customer CustomerAt(int n)
    {
        var account = n % _accounts.Length;
        var addedAt = now - Year * ((n + 0.5) / customers);
        var random = new Random(n);
        var team = account - account % ChainShape.AccountsPerTeam;
        string? second = n % 33 == 5 && team + 7 < _accounts.Length && team + 7 != account ? _accounts[team + 7] : null;
        DateTimeOffset? removedAt = n % 25 == 3 || n % 100 == 7 ? Min(addedAt + TimeSpan.FromDays(random.Next(1, 60)), now) : null;
        var purchases = random.NextDouble() < 0.4
            ? Enumerable.Range(0, random.Next(1, 4)).Select(k =>
            {
                var category = Categories[random.Next(Categories.Length)];
                return new Purchase($"order-{n:D7}-{k}", 200 + random.Next(0, 40) * 50, [new PurchaseItem($"SKU-{category}-{random.Next(1, 20)}", 1, category)],
                    Min(addedAt + TimeSpan.FromDays(k * 40) + TimeSpan.FromHours(random.Next(1, 48)), now));
            }).ToArray()
            : [];
        return new(n, $"wx_{n:D7}", _accounts[account], second, _channels[account], addedAt, removedAt, n % 25 == 3,
            Surnames[random.Next(Surnames.Length)] + Titles[random.Next(Titles.Length)], PhoneOf(n),
            random.NextDouble() < 0.1 ? "老客户，喜欢钛架" : null,
            random.NextDouble() < 0.3 ? [HandTags[random.Next(HandTags.Length)]] : [],
            purchases, random.NextDouble() < 0.5 ? Min(addedAt + TimeSpan.FromDays(random.Next(0, 30)), now) : null);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static readonly string[] MobilePrefixes =
        ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "166", "173", "177",
         "180", "181", "185", "186", "187", "188", "189", "199"];

    /// <summary>
    /// A customer's mobile number: a carrier's prefix and eight digits in no order, as a store's members' numbers are
    /// (numbers counted up from one prefix share their leading digits, and every search by digits then matches them all).
    /// </summary>
    internal static string PhoneOf(int n) => MobilePrefixes[n % MobilePrefixes.Length] + (unchecked((uint)n * 2654435761u) % 100_000_000).ToString("D8");

    private IEnumerable<Customer> All() => Enumerable.Range(0, customers).Select(CustomerAt);

    private async Task WriteIndexAsync(NpgsqlBinaryImporter w)
    {
        foreach (var c in All())
        {
            await w.StartRowAsync();
            await w.WriteAsync(c.Id);
            await w.WriteAsync(c.Name);
            await w.WriteAsync(c.Phone);
            await w.WriteAsync(string.Join(' ', new[] { c.Id, c.Name, c.Remark, c.Phone }.Concat(c.Tags).Where(t => t is not null)));
            await w.WriteAsync(c.AddedAt, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(c.Second is null ? new[] { c.Account } : [c.Account, c.Second], NpgsqlDbType.Array | NpgsqlDbType.Text);
            await w.WriteAsync(c.Channel);
            await w.WriteAsync($"{c.Id} 到店");
            await w.WriteAsync(c.RemovedAt is null ? new[] { shape.AnniversaryPlanId } : [], NpgsqlDbType.Array | NpgsqlDbType.Text);
            await w.WriteAsync(c.Tags, NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
    }

    // Every current customer runs the anniversary plan: its one touch a year after the add.
    private static DateTimeOffset AnniversaryOf(Customer c) => c.AddedAt.AddMonths(12);

    /// <summary>
    /// Each running plan's reminder as the customer grain registers it (one-minute period from the touch's time),
    /// keyed as Orleans keys it: checked first against the reminder of the customer added through the API.
    /// </summary>
    private async Task WriteRemindersAsync(NpgsqlDataSource db)
    {
        await using (var read = db.CreateCommand("select grainid, grainhash, period from orleansreminderstable where grainid = $1"))
        {
            read.Parameters.AddWithValue(CustomerGrainId(ChainShape.RealCustomer).ToString());
            await using var row = await read.ExecuteReaderAsync();
            if (!await row.ReadAsync() || row.GetInt32(1) != ReminderHash(CustomerGrainId(ChainShape.RealCustomer)) || row.GetInt64(2) != 60_000)
                throw new InvalidOperationException("the bench keys customer reminders unlike Orleans");
        }
        await CopyAsync(db, "copy orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version) from stdin (format binary)", async w =>
        {
            foreach (var c in All().Where(c => c.RemovedAt is null))
            {
                var grain = CustomerGrainId(c.Id);
                await w.StartRowAsync();
                await w.WriteAsync(StateKeys.ServiceId);
                await w.WriteAsync(grain.ToString());
                await w.WriteAsync("plan:" + shape.AnniversaryPlanId);
                await w.WriteAsync(AnniversaryOf(c), NpgsqlDbType.TimestampTz);
                await w.WriteAsync(60_000L);
                await w.WriteAsync(ReminderHash(grain));
                await w.WriteAsync(0);
            }
        });
    }

    private static GrainId CustomerGrainId(string key) => GrainId.Create("customer", key);

    private static int ReminderHash(GrainId grain) => unchecked((int)grain.GetUniformHashCode());

    private async Task WriteFriendsAsync(NpgsqlBinaryImporter w)
    {
        foreach (var c in All())
            foreach (var (account, at) in Friendships(c))
            {
                await w.StartRowAsync();
                await w.WriteAsync(account);
                await w.WriteAsync(c.Id);
                await w.WriteAsync(c.Channel);
                await w.WriteAsync("door");
                await w.WriteAsync(new[] { "到店" }, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await w.WriteAsync(at, NpgsqlDbType.TimestampTz);
                if (account == c.Account && c.RemovedAt is { } removed)
                {
                    await w.WriteAsync(removed, NpgsqlDbType.TimestampTz);
                    await w.WriteAsync(c.RemovedByCustomer);
                }
                else
                {
                    await w.WriteNullAsync();
                    await w.WriteNullAsync();
                }
            }
    }

    // The second account (a service one) added the customer a day after the first, or at once if that is the future.
    private IEnumerable<(string Account, DateTimeOffset At)> Friendships(Customer c)
    {
        yield return (c.Account, c.AddedAt);
        if (c.Second is { } second) yield return (second, Min(c.AddedAt + TimeSpan.FromDays(1), now));
    }

    private async Task WriteEventsAsync(NpgsqlBinaryImporter w)
    {
        foreach (var c in All())
            foreach (var (account, at) in Friendships(c))
            {
                await w.StartRowAsync();
                await w.WriteAsync($"scale:{account}:{c.Id}");
                await w.WriteAsync("added");
                await w.WriteAsync(account);
                await w.WriteAsync(c.Id);
                await w.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await w.WriteAsync("added");
            }
    }

    private async Task WriteOrdersAsync(NpgsqlBinaryImporter w)
    {
        foreach (var c in All())
            foreach (var p in c.Purchases)
            {
                await w.StartRowAsync();
                await w.WriteAsync(p.OrderId);
                await w.WriteAsync(c.Id);
                await w.WriteAsync(p.At, NpgsqlDbType.TimestampTz);
                await w.WriteAsync(p.At, NpgsqlDbType.TimestampTz);
                await w.WriteAsync(p.Amount, NpgsqlDbType.Numeric);
                await w.WriteAsync(p.Items.Select(i => i.Category!).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                await w.WriteAsync(c.Account);
            }
    }

    // A customer's last reply, as the message webhook records it for the account report.
    private async Task WriteRepliesAsync(NpgsqlBinaryImporter w)
    {
        foreach (var c in All())
        {
            if (c.LastReplyAt is not { } at) continue;
            await w.StartRowAsync();
            await w.WriteAsync(c.Account);
            await w.WriteAsync(c.Id);
            await w.WriteAsync(at, NpgsqlDbType.TimestampTz);
        }
    }

    private static readonly string[] PostCategories = ["Life", "Expertise", "Product", "Offer"];

    // A year of Moments: every account posted once a day at noon, done by its operator (churn per Moments category).
    private async Task WritePostsAsync(NpgsqlBinaryImporter w)
    {
        var operators = shape.Teams.SelectMany(t => t.AccountIds.Select(a => (a, t.Operator))).ToDictionary(x => x.a, x => x.Operator);
        var today = DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(8)).DateTime);
        for (var day = 1; day <= 365; day++)
            foreach (var (account, i) in _accounts.Select((a, i) => (a, i)))
            {
                var at = new DateTimeOffset(today.AddDays(-day).ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(8)).ToUniversalTime();
                await w.StartRowAsync();
                await w.WriteAsync(Guid.NewGuid());
                await w.WriteAsync(account);
                await w.WriteAsync("moments");
                await w.WriteAsync("今天店里到了新款镜框");
                await w.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await w.WriteAsync($"post:{day}-{i}");
                await w.WriteAsync("done");
                await w.WriteAsync(at - TimeSpan.FromDays(1), NpgsqlDbType.TimestampTz);
                await w.WriteAsync(at + TimeSpan.FromMinutes(5), NpgsqlDbType.TimestampTz);
                await w.WriteAsync(operators[account]);
                await w.WriteAsync(PostCategories[(day + i) % PostCategories.Length]);
            }
    }

    private sealed record Touch(Guid Id, string Body, DateTimeOffset DueAt, string Origin, string Status, DateTimeOffset? DoneAt, string? SkipReason);

    // The welcome plan's touch three days after the add, and the lens plan's six months after a lens purchase. A touch
    // due in the last two days is still open; older ones were done (eight in ten), skipped or left to expire.
    private IEnumerable<Touch> TouchesOf(Customer c)
    {
        var due = new List<(DateTimeOffset At, string Plan, string Body)> { (c.AddedAt + TimeSpan.FromDays(3), shape.PlanIds[0], $"{c.Name}您好，有问题随时找我。") };
        due.AddRange(c.Purchases.Where(p => p.Items.Any(i => i.Category == "lens")).Select(p => (p.At + TimeSpan.FromDays(182), shape.PlanIds[1], $"{c.Name}您好，欢迎回店免费复查视力。")));
        foreach (var (at, plan, body) in due.Where(d => d.At < now + TimeSpan.FromDays(1) && (c.RemovedAt is null || d.At < c.RemovedAt)))
        {
            var id = new Guid(Math.Abs(HashCode.Combine(c.N, plan)), (short)(c.N >> 16), (short)c.N, BitConverter.GetBytes(at.Ticks));
            var roll = (c.N + at.Day) % 10;
            var open = at > now - TimeSpan.FromDays(2);
            yield return open ? new Touch(id, body, at, "plan:" + plan, "open", null, null)
                : roll < 8 ? new Touch(id, body, at, "plan:" + plan, "done", at + TimeSpan.FromHours(1 + roll), null)
                : roll == 8 ? new Touch(id, body, at, "plan:" + plan, "skipped", at + TimeSpan.FromHours(2), "busy")
                : new Touch(id, body, at, "plan:" + plan, "expired", null, null);
        }
    }

    private async Task WriteTasksAsync(NpgsqlBinaryImporter w, bool hot)
    {
        var operators = shape.Teams.SelectMany(t => t.AccountIds.Select(a => (a, t.Operator))).ToDictionary(x => x.a, x => x.Operator);
        foreach (var c in All())
            foreach (var t in TouchesOf(c))
            {
                if (t.Status != "open" && (t.DoneAt ?? t.DueAt) < now - HotFor == hot) continue;
                await w.StartRowAsync();
                await w.WriteAsync(t.Id);
                await w.WriteAsync(c.Account);
                await w.WriteAsync(c.Id);
                await w.WriteAsync("message");
                await w.WriteAsync(t.Body);
                await w.WriteAsync(t.DueAt, NpgsqlDbType.TimestampTz);
                await w.WriteAsync(t.Origin);
                await w.WriteAsync(t.Status);
                await w.WriteAsync(t.DueAt - TimeSpan.FromMinutes(1), NpgsqlDbType.TimestampTz);
                if (t.DoneAt is { } done) { await w.WriteAsync(done, NpgsqlDbType.TimestampTz); await w.WriteAsync(operators[c.Account]); }
                else { await w.WriteNullAsync(); await w.WriteNullAsync(); }
                if (t.SkipReason is { } reason) await w.WriteAsync(reason); else await w.WriteNullAsync();
            }
    }

    /// <summary>
    /// Customer grains' state rows as Orleans's ADO.NET storage keys them: the hashes come from the provider's own
    /// hasher over the bytes it hashes (a string key's UTF-8, reversed), checked first against rows Orleans wrote.
    /// </summary>
    private async Task WriteStatesAsync(NpgsqlDataSource db)
    {
        var hasher = StateKeys.Create();
        await StateKeys.CheckAsync(db, hasher);
        var typeHash = hasher.TypeHash("customer");
        await CopyAsync(db, "copy orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid, payloadbinary, modifiedon, version) from stdin (format binary)", async w =>
        {
            foreach (var c in All())
            {
                var state = new CustomerState
                {
                    Profile = new CustomerProfile(c.Name, c.Remark, c.Phone),
                    Tags = new SortedSet<string>(c.Tags, StringComparer.Ordinal),
                    Purchases = [.. c.Purchases],
                    LastReplyAt = c.LastReplyAt,
                    TouchesAt = [.. TouchesOf(c).Where(t => t.Status == "done" && t.DoneAt > now - TimeSpan.FromDays(30)).Select(t => t.DoneAt!.Value)],
                };
                if (c.RemovedAt is null) state.Plans[shape.AnniversaryPlanId] = new PlanRun(c.AddedAt, 0);
                await w.StartRowAsync();
                await w.WriteAsync(hasher.KeyHash(c.Id));
                await w.WriteAsync(0L);
                await w.WriteAsync(0L);
                await w.WriteAsync(typeHash);
                await w.WriteAsync("customer");
                await w.WriteAsync(c.Id);
                await w.WriteAsync(StateKeys.ServiceId);
                await w.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(state, StateSerializer.Options));
                await w.WriteAsync(DateTime.SpecifyKind(now.UtcDateTime, DateTimeKind.Unspecified), NpgsqlDbType.Timestamp);
                await w.WriteAsync(1);
            }
        });
    }

    private static async Task CopyAsync(NpgsqlDataSource db, string copy, Func<NpgsqlBinaryImporter, Task> write)
    {
        await Task.Yield(); // each stream on its own thread
        await using var connection = await db.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync(copy);
        importer.Timeout = TimeSpan.Zero;
        await write(importer);
        await importer.CompleteAsync();
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>How Orleans's ADO.NET grain storage (10.4.2) keys a string-keyed grain's state row.</summary>
internal sealed class StateKeys(IHasher hasher)
{
    public const string ServiceId = "matrix"; // SiloSettings.ServiceId's default, what the bench's nodes run with

    public static StateKeys Create()
    {
        var options = new AdoNetGrainStorageOptions();
        new DefaultAdoNetGrainStorageOptionsHashPickerConfigurator().PostConfigure(StorageHosting.GrainStore, options);
        // The picker chooses by grain and state; for string keys its default always answers with the same hasher.
        var picker = options.HashPicker ?? throw new InvalidOperationException("Orleans configures no default hasher any more");
        return new(picker.PickHasher<object>(ServiceId, StorageHosting.GrainStore, "customer", GrainId.Create("customer", "x"), null!) ?? throw new InvalidOperationException("no hasher picked"));
    }

    public int KeyHash(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        Array.Reverse(bytes);
        return hasher.Hash(bytes);
    }

    public int TypeHash(string stateName) => hasher.Hash(Encoding.UTF8.GetBytes(stateName));

    /// <summary>Refuses to go on if the hashes differ from those of the rows Orleans wrote (the accounts' state).</summary>
    public static async Task CheckAsync(NpgsqlDataSource db, StateKeys keys)
    {
        await using var read = db.CreateCommand("select grainidhash, graintypehash, graintypestring, grainidextensionstring, grainidn0, grainidn1 from orleansstorage limit 50");
        await using var rows = await read.ExecuteReaderAsync();
        var checkedRows = 0;
        while (await rows.ReadAsync())
        {
            if (rows.GetInt32(0) != keys.KeyHash(rows.GetString(3)) || rows.GetInt32(1) != keys.TypeHash(rows.GetString(2)) || rows.GetInt64(4) != 0 || rows.GetInt64(5) != 0)
                throw new InvalidOperationException($"the bench keys grain state unlike Orleans for {rows.GetString(2)}/{rows.GetString(3)}");
            checkedRows++;
        }
        if (checkedRows == 0) throw new InvalidOperationException("no state row written by Orleans to check the bench's keys against");
    }
}
