using Matrix.Domain.Campaigns;

namespace Matrix.Grains.Campaigns;

/// <summary>Sends a campaign's occurrences (keyed by the campaign's id).</summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>Arms the next occurrence, or (called again) makes sure it goes on.</summary>
    Task Start();
}

/// <summary>
/// At each occurrence's time the grain freezes its audience, then places pending recipients' messages
/// <see cref="Chunk"/> at a time (<see cref="CampaignSender"/>: one transaction each), recording each chunk's outcomes,
/// for at most <see cref="TickLength"/> per tick, and arms itself again at once until none is pending; then it sleeps
/// until the next occurrence. Its reminder carries it over a node's restart: the recipients of a chunk cut short are
/// still pending and are placed again, idempotently. The rows are its state.
/// </summary>
public sealed class CampaignGrain(CampaignStore store, CampaignSender sender, MatrixDirectory directory, StoreClock clock) : MatrixGrain, ICampaignGrain, IRemindable
{
    public const int Chunk = 1000;

    /// <summary>How long one tick places chunks before it hands the grain back (a cancel or a progress read waits no longer).</summary>
    public static readonly TimeSpan TickLength = TimeSpan.FromSeconds(5);
    private const string Tick = "send";

    async Task ICampaignGrain.Start()
    {
        if (await store.GetAsync(GrainKey) is { Status: CampaignStatus.Scheduled or CampaignStatus.Sending } c)
            await WakeAtAsync(Tick, c.Status == CampaignStatus.Sending ? clock.UtcNow : c.NextAt!.Value);
    }

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        var campaign = await store.GetAsync(GrainKey);
        if (campaign is null || campaign.Status is CampaignStatus.Done or CampaignStatus.Cancelled)
        {
            await CancelWakeAsync(Tick);
            return;
        }
        if (campaign.Status == CampaignStatus.Scheduled)
        {
            if (campaign.NextAt > clock.UtcNow)
            {
                await WakeAtAsync(Tick, campaign.NextAt.Value); // a tick before its time (a wake-up set long ahead comes early)
                return;
            }
            await store.FreezeDueAsync(GrainKey, campaign.Team is { } team ? await TeamAccountsAsync(team) : null);
            campaign = (await store.GetAsync(GrainKey))!;
        }
        if (await store.CurrentAsync(GrainKey) is not { } current)
            return;
        var deadline = MessageBudget.Deadline(current.DueAt, campaign.NextAt);
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (started.Elapsed < TickLength)
        {
            var pending = await store.PendingAsync(GrainKey, current.Occurrence, Chunk);
            if (pending.Count == 0)
            {
                await store.FinishOccurrenceAsync(GrainKey);
                if (campaign.NextAt is { } next) await WakeAtAsync(Tick, next);
                else await CancelWakeAsync(Tick);
                return;
            }
            await store.RecordAsync(GrainKey, current.Occurrence, await sender.PlaceAsync(GrainKey, current.Occurrence, campaign.Definition, pending, current.DueAt, deadline));
        }
        await WakeAtAsync(Tick, clock.UtcNow);
    }

    private async Task<string[]> TeamAccountsAsync(string team) =>
        [.. (await directory.AccountsAsync()).Where(a => a.Profile.Team == team).Select(a => a.Id)];
}
