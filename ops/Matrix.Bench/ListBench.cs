using System.Diagnostics;
using Matrix.Grains.Reports;
using Matrix.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Bench;

/// <summary>
/// The customer list's query (<see cref="CustomerSearch"/>) at a chain's sizes: the friendships of N customers over
/// N/1,000 accounts are written straight into the ledger's table with SQL (the trigger of Migrations/0009 fills
/// customer_index as a confirmation would), each customer's name, phone and tags into the index as the customer
/// grain would, then the list is read as the console reads it. Measured: the median of five warm reads of each kind
/// at 10,000 customers, then grown to 100,000 and 1,000,000. The console's page adds a read of the twenty customers
/// shown (their grains), which does not grow with the matrix.
/// </summary>
internal static class ListBench
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];

    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        await using (var admin = DatabaseConnections.Create(connectionString))
        await using (var create = admin.CreateCommand("create database matrix_list"))
            await create.ExecuteNonQueryAsync();
        var db = new NpgsqlConnectionStringBuilder(connectionString) { Database = "matrix_list" }.ConnectionString;

        using var node = await Nodes.StartAsync(db); // migrates the schema
        var search = node.Services.GetRequiredService<CustomerSearch>();
        await using var data = DatabaseConnections.Create(db);
        var made = 0;
        foreach (var size in new[] { 10_000, 100_000, 1_000_000 }.Where(s => s <= settings.ListCustomers))
        {
            var watch = Stopwatch.StartNew();
            await GrowAsync(data, made, size);
            made = size;
            var team = Enumerable.Range(0, 10).Select(i => $"a-{i:D4}").ToArray(); // a lead's ten accounts
            var cursor = await DeepCursorAsync(search, 5);
            var timings = new (string What, Func<Task> Read)[]
            {
                ("first page, everyone", () => search.PageAsync(null, "", null, 20)),
                ("sixth page, everyone", () => search.PageAsync(null, "", cursor, 20)),
                ("search by name (王)", () => search.PageAsync(null, "王", null, 20)),
                ("search by phone digits", () => search.PageAsync(null, "13900001", null, 20)),
                ("search by tag (到店)", () => search.PageAsync(null, "到店", null, 20)),
                ("search by WeChat ID", () => search.PageAsync(null, $"wx_{size / 2:D7}", null, 20)),
                ("first page, a lead's 10 accounts", () => search.PageAsync(team, "", null, 20)),
                ("search by name, a lead's 10 accounts", () => search.PageAsync(team, "王", null, 20)),
            };
            report.Add($"customer list: {size:N0} customers built with SQL", $"{watch.Elapsed.TotalSeconds:N0} s", "", "");
            foreach (var (what, read) in timings)
                report.Add($"customer list at {size:N0}: {what}", $"{await MedianAsync(read):N1} ms", "", "");
        }
        await node.StopAsync();
    }

    // Customers [from, to): a thousand to an account, arrivals spread over a year, two channels' tags, a name and a phone.
    private static async Task GrowAsync(NpgsqlDataSource db, int from, int to)
    {
        await using (var friends = db.CreateCommand("""
            insert into account_friends (account_id, external_id, channel_id, channel_state, channel_tags, added_at)
            select 'a-' || lpad((i / 1000)::text, 4, '0'), 'wx_' || lpad(i::text, 7, '0'),
                   case when i % 2 = 0 then 'table-card' else 'package-insert' end, 'state',
                   case when i % 2 = 0 then array['到店'] else array['电商'] end,
                   now() - make_interval(secs => (i * 31.536)::double precision)
              from generate_series($1, $2 - 1) i
            """))
        {
            friends.CommandTimeout = 0;
            friends.Parameters.Add(new() { Value = from });
            friends.Parameters.Add(new() { Value = to });
            await friends.ExecuteNonQueryAsync();
        }
        await using var profiles = db.CreateCommand("""
            update customer_index set display_name = ($3::text[])[1 + substr(id, 4)::int % 10] || '女士', phone = '139' || lpad(substr(id, 4), 8, '0'),
                   search_text = id || ' ' || ($3::text[])[1 + substr(id, 4)::int % 10] || '女士 139' || lpad(substr(id, 4), 8, '0')
             where id >= $1 and id < $2
            """);
        profiles.CommandTimeout = 0;
        profiles.Parameters.Add(new() { Value = $"wx_{from:D7}" });
        profiles.Parameters.Add(new() { Value = $"wx_{to:D7}" });
        profiles.Parameters.Add(new() { Value = Surnames });
        await profiles.ExecuteNonQueryAsync();
        await using var analyze = db.CreateCommand("vacuum analyze customer_index");
        analyze.CommandTimeout = 0;
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task<CustomerCursor?> DeepCursorAsync(CustomerSearch search, int pages)
    {
        CustomerCursor? cursor = null;
        for (var i = 0; i < pages; i++)
        {
            var page = await search.PageAsync(null, "", cursor, 20);
            cursor = new(page.Hits[^1].FirstAddedAt, page.Hits[^1].Id);
        }
        return cursor;
    }

    // Warm first (two reads), then the median of five.
    private static async Task<double> MedianAsync(Func<Task> read)
    {
        await read();
        await read();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            await read();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return times.Order().ElementAt(2);
    }
}
