using System.Runtime.CompilerServices;
using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Matrix.Grains.Reports;

/// <summary>A customer as a spreadsheet row: the list's row, the accounts they are a friend of now, what their grain keeps.</summary>
public sealed record ExportedCustomer(CustomerHit Hit, IReadOnlyList<string> Accounts, CustomerState State);

/// <summary>
/// Every customer a search finds, in the list's order, in one statement read as it streams: an export writes each
/// row once, however many there are, and holds none but the one it writes.
/// </summary>
/// <remarks>
/// Each row's tags, remark and purchases come from the customer's stored state (the grain saves it before it acts
/// on it, so it is what the grain last acted on), not from the grain: an export of a million customers must not
/// activate a million grains.
/// </remarks>
public sealed class CustomerExport(NpgsqlDataSource db, IOptions<ClusterOptions> cluster)
{
    /// <param name="accountIds">The accounts whose customers the viewer sees; null for all (an admin).</param>
    public async IAsyncEnumerable<ExportedCustomer> StreamAsync(IReadOnlyCollection<string>? accountIds, string text, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var cmd = db.CreateCommand($"""
            select c.id, c.display_name, c.phone, c.first_added_at, c.source_channel,
                   coalesce((select array_agg(f.account_id order by f.added_at) from account_friends f where f.external_id = c.id and f.removed_at is null), array[]::text[]),
                   matrix_customer_state(c.id, $3)
              from customer_index c
             where {CustomerSearch.Where(accountIds, text)}
             order by c.first_added_at desc, c.id desc
            """);
        CustomerSearch.AddParameters(cmd, accountIds, text);
        cmd.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            var state = r.IsDBNull(6) ? new CustomerState()
                : System.Text.Json.JsonSerializer.Deserialize<CustomerState>(r.GetFieldValue<byte[]>(6), StateSerializer.Options) ?? new CustomerState();
            yield return new(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetString(4)), r.GetFieldValue<string[]>(5), state);
        }
    }
}
