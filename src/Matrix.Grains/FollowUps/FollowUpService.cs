using System.Text.Json;
using Matrix.Domain.Customers;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Customers;
using Matrix.Runtime;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Grains.FollowUps;

public sealed record PlanEntry(string Id, FollowUpPlan Plan);

/// <summary>Starts plans when their trigger happens, for the customers their filter matches; lists plans.</summary>
public sealed class FollowUpService(IGrainFactory grains, NpgsqlDataSource db, CustomerReader customers, IOptions<CustomerSettings> settings, StoreClock clock)
{
    public async Task<IReadOnlyList<PlanEntry>> PlansAsync()
    {
        await using var cmd = db.CreateCommand("select grain_key, state::text from grain_state where grain_type = 'plan' order by grain_key");
        await using var r = await cmd.ExecuteReaderAsync();
        var plans = new List<PlanEntry>();
        while (await r.ReadAsync())
            if (JsonSerializer.Deserialize<RecordState<FollowUpPlan>>(r.GetString(1), GrainStateJson.Options)?.Value is { } plan) plans.Add(new(r.GetString(0), plan));
        return plans;
    }

    /// <summary>A trigger happened for a customer at <paramref name="anchor"/>: start every enabled plan it triggers and whose filter matches.</summary>
    public async Task TriggerAsync(string customerId, Func<PlanTrigger, bool> triggered, DateTimeOffset anchor)
    {
        // Plans first: most adds and purchases trigger none, and then the customer need not be read at all.
        var triggeredPlans = (await PlansAsync()).Where(p => p.Plan.Enabled && triggered(p.Plan.Trigger)).ToList();
        if (triggeredPlans.Count == 0) return;
        var customer = await customers.GetAsync(customerId);
        if (customer is null) return;
        var now = clock.UtcNow;
        var facts = customer.Facts(now);
        var s = settings.Value;
        var score = CustomerRules.Score(facts, s, now).Total;
        var cls = CustomerRules.Classify(customer.State.Purchases.Count(p => p.Counts), s);
        var tags = customer.Tags.ToHashSet();
        foreach (var entry in triggeredPlans)
        {
            if (!entry.Plan.Filter.Matches(cls, tags, CustomerRules.Band(score, s), CustomerRules.Stage(facts, s, now))) continue;
            await Capacity.Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(customerId).StartPlan(entry.Id, anchor));
        }
    }
}
