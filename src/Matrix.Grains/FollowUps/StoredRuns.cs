using Matrix.Grains.Customers;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Matrix.Grains.FollowUps;

/// <summary>
/// Customers' runs of one plan as their grains last saved them, read a chunk at a time straight from the grain
/// storage (Migrations/0003 in Matrix.Storage indexes it by key).
/// </summary>
/// <remarks>
/// A customer grain saves its state before it arms a reminder, so what is stored is what the grain last acted on.
/// A run read here can only be older than the grain's (anchors and occurrences only move on): a reminder placed from
/// it fires early or for a run that has ended, and the grain takes such a tick as early (arms again) or stops it.
/// </remarks>
public sealed class StoredRuns(NpgsqlDataSource db, IOptions<ClusterOptions> cluster)
{
    public async Task<IReadOnlyDictionary<string, PlanRun>> ReadAsync(IReadOnlyCollection<string> customerIds, string planId)
    {
        await using var read = db.CreateCommand("""
            select id, state from (select id, matrix_customer_state(id, $2) as state from unnest($1::text[]) as id) s where state is not null
            """);
        read.Parameters.Add(new() { Value = customerIds.ToArray() });
        read.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        await using var r = await read.ExecuteReaderAsync();
        var runs = new Dictionary<string, PlanRun>(StringComparer.Ordinal);
        while (await r.ReadAsync())
        {
            var state = System.Text.Json.JsonSerializer.Deserialize<CustomerState>(r.GetFieldValue<byte[]>(1), StateSerializer.Options);
            if (state?.Plans.TryGetValue(planId, out var run) == true) runs[r.GetString(0)] = run;
        }
        return runs;
    }
}
