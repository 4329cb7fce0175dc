using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Matrix.Domain.Campaigns;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Customers;
using Matrix.Grains.Personas;
using Matrix.Grains.Tasks;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Matrix.Grains.Campaigns;

/// <summary>What became of a recipient's message: placed (due at <paramref name="DueAt"/>), deferred past its time by the budget, or skipped with a reason.</summary>
public sealed record CampaignOutcome(string Status, Guid? TaskId, DateTimeOffset? DueAt, string? Reason)
{
    public const string Placed = "placed", Deferred = "deferred", Skipped = "skipped";
}

/// <summary>
/// Places a chunk of an occurrence's recipients' messages at once (<see cref="TaskStore.PlaceMessagesAsync"/>): each
/// customer's message budget and each account's daily budget in one transaction, the tasks in one insert. The
/// customers' grains are not activated: the template's fields come from their stored state, read only when the
/// template names any. Idempotent by (customer, campaign, occurrence): a chunk placed again finds its tasks.
/// </summary>
public sealed class CampaignSender(NpgsqlDataSource db, TaskStore tasks, MatrixDirectory directory, IGrainFactory grains, StoreClock clock,
    IOptions<MatrixOptions> options, IOptions<ClusterOptions> cluster)
{
    /// <summary>A campaign's messages carry this origin and the campaign's id on their tasks.</summary>
    public const string OriginPrefix = "campaign:";

    /// <param name="dueAt">When the occurrence is due: each message goes then or at the earliest time after it the budget allows.</param>
    /// <param name="deadline">The latest a message may go (<see cref="MessageBudget.Deadline"/>); later, it is skipped as over budget.</param>
    public async Task<IReadOnlyList<(string CustomerId, CampaignOutcome Outcome)>> PlaceAsync(string campaignId, int occurrence, CampaignDefinition definition,
        IReadOnlyList<PendingRecipient> recipients, DateTimeOffset dueAt, DateTimeOffset deadline)
    {
        var now = clock.UtcNow;
        var wanted = dueAt > now ? dueAt : now;
        var accounts = (await directory.AccountsAsync(ids: [.. recipients.Select(r => r.AccountId).Distinct()])).ToDictionary(a => a.Id, a => a.Profile);
        var personas = new Dictionary<string, string?>();
        foreach (var personaId in accounts.Values.Select(a => a.PersonaId).Distinct())
            personas[personaId] = (await grains.Get<IPersonaGrain>(personaId).Get())?.Nickname;
        var states = MessageFields.NamesCustomer(definition.Template) ? await StatesAsync(recipients.Select(r => r.CustomerId).ToArray()) : [];

        var requests = recipients.Select(r =>
        {
            var account = accounts.GetValueOrDefault(r.AccountId);
            var fields = MessageFields.Of(r.CustomerId, states.GetValueOrDefault(r.CustomerId) ?? new CustomerState(), account is null ? null : personas[account.PersonaId]);
            var task = new WorkTask(TaskId(r.CustomerId, campaignId, occurrence), r.AccountId, r.CustomerId, "message", definition.MessageFor(fields), wanted,
                OriginPrefix + campaignId, "open", null, null, null, null);
            return new MessageRequest(task, wanted, deadline, account, DueWhenBudgetAllows: true, KeepEarliestDue: false);
        }).ToList();
        var placements = await tasks.PlaceMessagesAsync(requests, new QuietHours(options.Value.QuietFrom, options.Value.QuietTo),
            new FrequencyCap(options.Value.CapTouches, options.Value.CapWindow), clock.Zone, now);
        return [.. recipients.Zip(placements, (r, p) => (r.CustomerId, p.PlacedAt is { } at
            ? new CampaignOutcome(at > wanted + MatrixGrain.ReminderPeriod ? CampaignOutcome.Deferred : CampaignOutcome.Placed, p.TaskId, at, null)
            : new CampaignOutcome(CampaignOutcome.Skipped, null, null, SkipReasons.OverBudget)))];
    }

    /// <summary>The customers' stored states (as their grains last saved them), for their templates' fields.</summary>
    private async Task<Dictionary<string, CustomerState>> StatesAsync(string[] ids)
    {
        await using var cmd = db.CreateCommand("select c.id, matrix_customer_state(c.id, $2) from unnest($1::text[]) as c(id)");
        cmd.Parameters.Add(new() { Value = ids });
        cmd.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        var states = new Dictionary<string, CustomerState>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            if (!r.IsDBNull(1) && JsonSerializer.Deserialize<CustomerState>(r.GetFieldValue<byte[]>(1), StateSerializer.Options) is { } state)
                states[r.GetString(0)] = state;
        return states;
    }

    /// <summary>The task of one recipient's message: the same on every retry, so it is placed once.</summary>
    internal static Guid TaskId(string customerId, string campaignId, int occurrence) =>
        new(MD5.HashData(Encoding.UTF8.GetBytes($"{customerId}\ncampaign:{campaignId}\n{occurrence}")));
}
