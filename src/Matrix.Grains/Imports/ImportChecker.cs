using System.Text.Json;
using Matrix.Domain;
using Matrix.Domain.Imports;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Matrix.Grains.Imports;

/// <summary>
/// The dry run: reads every row, finds the customer each names (in the file and in the database, by the stated
/// precedence), says what committing it would do, and stores the job. Nothing else is written.
/// </summary>
/// <remarks>
/// Existing customers are compared from their stored state, a thousand per statement, without activating their
/// grains (as an export reads them); the commit compares again with what each grain holds then.
/// </remarks>
public sealed class ImportChecker(NpgsqlDataSource db, ImportStore store, CapacityLedger ledger, MatrixDirectory directory, IGrainFactory grains,
    StoreClock clock, IOptions<MatrixOptions> options, IOptions<ClusterOptions> cluster)
{
    public const int RowsMax = 100_000;
    private const int Batch = 1_000;

    public async Task<ImportJob> CheckAsync(ImportRequest request)
    {
        if (request.Rows.Count > RowsMax) throw DomainValidationException.Of("file", RuleKeys.AtMost, "must have at most {0} rows", RowsMax);
        var columns = request.Headers.Select(ImportColumns.Match).ToList();
        var reader = await ReaderAsync(columns);
        var accounts = await directory.AccountsAsync();
        string? defaultAccount = null;
        if (request.DefaultAccount is { } named && (defaultAccount = Resolve(accounts, request.Scope, named)) is null)
            throw DomainValidationException.Of("accountId", RuleKeys.AccountNotYours, "no account '{0}' you may import to", named);

        // Read, then the account each row goes to (a named account the importer may not see is the row's error).
        var rows = request.Rows.Select((cells, i) => reader.Read(i + 2, cells)).ToList();
        var accountOf = new string?[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Account is not { } rowAccount) accountOf[i] = defaultAccount;
            else if ((accountOf[i] = Resolve(accounts, request.Scope, rowAccount)) is null)
                rows[i] = rows[i] with { Errors = [.. rows[i].Errors, FieldError.Of("account", RuleKeys.AccountNotYours, "no account '{0}' you may import to", rowAccount)] };
        }

        var duplicates = ImportMerge.Duplicates(rows);
        var matched = await MatchAsync([.. rows.Where(r => r.Valid && !duplicates.ContainsKey(r.Number))]);
        var known = await KnownAsync([.. matched.Values.Distinct()]);
        var orders = await OrdersAsync([.. rows.Where(r => r.Valid).Select(r => r.Purchase?.OrderId).OfType<string>()]);
        var room = (await ledger.ReadAsync([.. accountOf.OfType<string>().Distinct()])).ToDictionary(a => a.Key, a => a.Value.HardCap - a.Value.Friends - a.Value.Reserved);

        var checkedRows = new List<CheckedRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var duplicateOf = duplicates.TryGetValue(row.Number, out var first) ? first : (int?)null;
            var customer = matched.TryGetValue(row.Number, out var id) ? known.GetValueOrDefault(id) : null;
            var customerId = customer?.Id ?? (row.Valid ? row.NewCustomerId : null);
            var errors = new List<FieldError>(row.Errors);
            if (row.Valid && duplicateOf is null)
            {
                if (customer is not null && request.Scope is { } scope && !customer.Accounts.Any(scope.Contains))
                    errors.Add(FieldError.Of("weChatId", RuleKeys.CustomerNotYours, "is a customer of an account you may not import to"));
                if (customer is null && accountOf[i] is null) errors.Add(FieldError.Of("account", RuleKeys.Required, "is required"));
                if (row.Purchase is { } p && orders.TryGetValue(p.OrderId, out var owner) && owner != customerId)
                    errors.Add(FieldError.Of("orderId", RuleKeys.OrderOfAnother, "order {0} was already recorded for another customer", p.OrderId));
            }
            var change = ImportMerge.Change(row, accountOf[i], request.Mode, customer);
            var verdict = errors.Count > 0 ? ImportVerdict.Error : ImportMerge.Verdict(row, duplicateOf, customer, change, request.Mode);
            // Room is taken in row order: the rows past an account's room are refused, not the account's cap passed.
            if (verdict is ImportVerdict.Create or ImportVerdict.Update && change.AddFriend && accountOf[i] is { } account)
            {
                if (room.GetValueOrDefault(account) <= 0)
                {
                    errors.Add(FieldError.Of("account", RuleKeys.AccountFull, "account {0} has no room left", accounts.First(a => a.Id == account).Profile.WeChatId));
                    verdict = ImportVerdict.Error;
                }
                else room[account]--;
            }
            checkedRows.Add(new(row.Number, request.Rows[i], verdict, customerId, accountOf[i], duplicateOf, errors));
        }

        var job = new ImportJob(Guid.NewGuid(), request.FileName, request.FileHash, request.Format, request.Encoding, request.Mode, defaultAccount,
            request.Headers, [.. request.Headers.Where((h, i) => columns[i] is null && !string.IsNullOrWhiteSpace(h))], request.Scope?.Order(StringComparer.Ordinal).ToList(),
            request.By, clock.UtcNow, ImportStatus.Checked, null, null, null, rows.Count,
            checkedRows.GroupBy(r => r.Verdict).ToDictionary(g => g.Key, g => g.Count()), 0, new Dictionary<ImportOutcome, int>());
        await store.SaveAsync(job, checkedRows);
        return job;
    }

    /// <summary>The reader of this import's rows: its columns, the tag list and the store's zone as they are now.</summary>
    public async Task<ImportRowReader> ReaderAsync(IReadOnlyList<ImportColumn?> columns) =>
        new(columns, await grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Get(), clock.Zone, options.Value.Times, clock.UtcNow);

    /// <summary>An account named by id or by its WeChat ID, if the importer may see it.</summary>
    private static string? Resolve(IReadOnlyList<AccountEntry> accounts, IReadOnlySet<string>? scope, string named)
    {
        var account = accounts.FirstOrDefault(a => a.Id == named) ?? accounts.FirstOrDefault(a => string.Equals(a.Profile.WeChatId, named, StringComparison.OrdinalIgnoreCase));
        return account is not null && (scope is null || scope.Contains(account.Id)) ? account.Id : null;
    }

    /// <summary>The existing customer each row names, by row number: the first of its identities that finds one.</summary>
    private async Task<Dictionary<int, string>> MatchAsync(IReadOnlyList<ImportRow> rows)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var phones = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in rows.Chunk(Batch))
        {
            var keys = chunk.SelectMany(r => new[] { r.WeComId, r.WeChatId }).OfType<string>().ToArray();
            await using (var cmd = db.CreateCommand("select id from customer_index where id = any($1) and first_added_at is not null"))
            {
                cmd.Parameters.Add(new() { Value = keys });
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync()) ids.Add(r.GetString(0));
            }
            // A phone two customers share goes to the one who came first.
            await using (var cmd = db.CreateCommand("""
                select distinct on (phone_key) phone_key, id from customer_index
                 where phone_key = any($1) and first_added_at is not null order by phone_key, first_added_at, id
                """))
            {
                cmd.Parameters.Add(new() { Value = chunk.Select(r => r.Phone).OfType<string>().ToArray() });
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync()) phones[r.GetString(0)] = r.GetString(1);
            }
        }
        var matched = new Dictionary<int, string>();
        foreach (var row in rows)
            foreach (var (kind, value) in row.Identities())
            {
                var id = kind == IdentityKind.Phone ? phones.GetValueOrDefault(value) : ids.Contains(value) ? value : null;
                if (id is null) continue;
                matched[row.Number] = id;
                break;
            }
        return matched;
    }

    /// <summary>Existing customers as stored: profile, tags, current accounts and orders.</summary>
    private async Task<Dictionary<string, KnownCustomer>> KnownAsync(IReadOnlyList<string> ids)
    {
        var known = new Dictionary<string, KnownCustomer>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(Batch))
        {
            await using var cmd = db.CreateCommand("""
                select c.id,
                       coalesce((select array_agg(f.account_id) from account_friends f where f.external_id = c.id and f.removed_at is null), array[]::text[]),
                       matrix_customer_state(c.id, $2)
                  from unnest($1::text[]) as c(id)
                """);
            cmd.Parameters.Add(new() { Value = chunk });
            cmd.Parameters.Add(new() { Value = cluster.Value.ServiceId });
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var state = r.IsDBNull(2) ? new CustomerState() : JsonSerializer.Deserialize<CustomerState>(r.GetFieldValue<byte[]>(2), StateSerializer.Options) ?? new CustomerState();
                known[r.GetString(0)] = Known(r.GetString(0), state, r.GetFieldValue<string[]>(1));
            }
        }
        return known;
    }

    /// <summary>A customer as an import compares a row with them.</summary>
    public static KnownCustomer Known(string id, CustomerState state, IEnumerable<string> accounts) =>
        new(id, state.Profile, state.Tags, accounts.ToHashSet(StringComparer.Ordinal), state.Purchases.Select(p => p.OrderId).ToHashSet(StringComparer.Ordinal));

    /// <summary>The customer each order id was recorded for.</summary>
    private async Task<Dictionary<string, string>> OrdersAsync(IReadOnlyList<string> orderIds)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in orderIds.Chunk(Batch))
        {
            await using var cmd = db.CreateCommand("select order_id, customer_id from purchase_orders where order_id = any($1)");
            cmd.Parameters.Add(new() { Value = chunk });
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) owners[r.GetString(0)] = r.GetString(1);
        }
        return owners;
    }
}
