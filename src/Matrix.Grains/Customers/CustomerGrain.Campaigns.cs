using System.Security.Cryptography;
using System.Text;
using Matrix.Domain.Campaigns;
using Matrix.Domain.FollowUps;
using Matrix.Grains.Tasks;

namespace Matrix.Grains.Customers;

/// <summary>A campaign's message for one recipient of one occurrence, to go from <paramref name="AccountId"/>.</summary>
/// <param name="Wanted">When the occurrence is due; the message goes then or at the earliest time after it the budget allows.</param>
/// <param name="Deadline">The latest it may go (<see cref="MessageBudget.Deadline"/>); later, it is skipped as over budget.</param>
public sealed record CampaignMessage(string CampaignId, int Occurrence, string AccountId,
    CampaignDefinition Definition, DateTimeOffset Wanted, DateTimeOffset Deadline);

/// <summary>What became of a recipient's message: placed (due at <paramref name="DueAt"/>), deferred past its time by the budget, or skipped with a reason.</summary>
public sealed record CampaignOutcome(string Status, Guid? TaskId, DateTimeOffset? DueAt, string? Reason)
{
    public const string Placed = "placed", Deferred = "deferred", Skipped = "skipped";
}

public sealed partial class CustomerGrain
{
    /// <summary>A campaign's messages carry this origin and the campaign's id on their tasks.</summary>
    public const string CampaignOriginPrefix = "campaign:";

    /// <summary>
    /// Places a campaign's message within the one message budget the plans share (booked like a plan's touch, so each
    /// holds back the other), on the sending account's queue within its daily budget. Idempotent by (customer,
    /// campaign, occurrence): a retried call finds the task it placed and books nothing twice.
    /// </summary>
    async Task<CampaignOutcome> ICustomerGrain.PlaceCampaignMessage(CampaignMessage message)
    {
        var id = CampaignTaskId(GrainKey, message.CampaignId, message.Occurrence);
        var now = clock.UtcNow;
        var wanted = message.Wanted > now ? message.Wanted : now;
        if (await tasks.GetAsync(id) is { } placed)
        {
            // Placed by a call cut short (a node killed) before its booking was saved: book it now.
            if (placed.Status == "open" && !state.State.BookedAt.Contains(placed.DueAt))
            {
                state.State.BookedAt.Add(placed.DueAt);
                await SaveAsync(state);
            }
            return Outcome(id, placed.DueAt, wanted);
        }

        var s = state.State;
        var account = (await directory.AccountsAsync(ids: [message.AccountId])).FirstOrDefault()?.Profile;
        var due = MessageBudget.Place(wanted, message.Deadline, Quiet, new FrequencyCap(options.Value.CapTouches, options.Value.CapWindow),
            [.. s.TouchesAt, .. s.BookedAt], account?.Roster ?? Domain.Accounts.Roster.AlwaysOn, clock.Zone);
        if (due is null) return new(CampaignOutcome.Skipped, null, null, SkipReasons.OverBudget);

        var body = message.Definition.MessageFor(await FieldsAsync(account));
        var at = await tasks.AddFollowUpAsync(new WorkTask(id, message.AccountId, GrainKey, "message", body, due.Value, CampaignOriginPrefix + message.CampaignId,
            "open", null, null, null, null), account?.Capacity.DailyTasks, Quiet, clock.Zone, now);
        if (!s.BookedAt.Contains(at))
        {
            s.BookedAt.Add(at);
            await SaveAsync(state); // a booking is no fact a segment or the customer list reads, and ends no plan
        }
        return Outcome(id, at, wanted);
    }

    private static CampaignOutcome Outcome(Guid id, DateTimeOffset due, DateTimeOffset wanted) =>
        new(due > wanted + MatrixGrain.ReminderPeriod ? CampaignOutcome.Deferred : CampaignOutcome.Placed, id, due, null);

    /// <summary>The task of one recipient's message: the same on every retry, so it is placed once.</summary>
    internal static Guid CampaignTaskId(string customerId, string campaignId, int occurrence) =>
        new(MD5.HashData(Encoding.UTF8.GetBytes($"{customerId}\ncampaign:{campaignId}\n{occurrence}")));
}
