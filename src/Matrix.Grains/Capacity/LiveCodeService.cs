using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>What a scan of a live code shows: the persona and the QR of the account chosen now, or "full".</summary>
/// <param name="WeChatId">The chosen account's WeChat ID: the page draws it as a QR when the account has no QR image.</param>
/// <summary>What a scan of a channel would meet now.</summary>
public enum ChannelRoom { Unknown, NoAccounts, Open, Full }

public sealed record LiveCodeResult(string ChannelId, ChannelDefinition Channel, PersonaDetails? Persona, string? AccountId, string? QrCodeUrl, Guid? Reservation, bool IsBackup,
    string? WeChatId = null)
{
    public bool IsFull => AccountId is null;
}

/// <summary>
/// A scan: choose an account of the channel's pool by the domain's rules, then hold a slot on it with one conditional
/// statement. The choice is made on this node's view of the pool (<see cref="PoolSnapshots"/>) while that view is
/// good, and on a fresh read otherwise; a lost race (someone filled it first) moves on to the next choice, and the
/// pool is read afresh a few times before it is called full. Going above a soft cap or to a backup account is only
/// ever decided on a fresh read, so "no account above its soft cap while a sibling is below it" does not depend
/// on how old the view is.
/// </summary>
public sealed class LiveCodeService(RecordViews records, PoolSnapshots pools, HoldBatcher holds, CapacityLedger ledger, StoreClock clock,
    ChannelStats stats, MatrixDirectory directory, IOptions<MatrixOptions> options)
{
    private const int Rounds = 5;

    public async Task<LiveCodeResult?> ScanAsync(string channelId)
    {
        var channel = await records.ChannelAsync(channelId);
        if (channel is null) return null;

        // Round 0 may choose on this node's view of the pool; each of the Rounds after it reads the pool afresh.
        for (var round = 0; round <= Rounds; round++)
        {
            var view = await pools.GetAsync(channel, fresh: round > 0);
            var attempts = Plan(view);
            if (attempts.Count == 0 && view.IsFresh) break;
            foreach (var attempt in attempts)
            {
                // Nothing is called full, and no soft cap is passed, on a view that may be old.
                if (!view.IsFresh && (attempt.AboveSoftCap || attempt.IsBackup)) break;
                if (await holds.TryReserveAsync(attempt.AccountId, attempt.LoadLimit, attempt.BudgetToday, channelId, options.Value.ReservationHold) is not { } held)
                {
                    pools.Forget(channel);
                    continue;
                }
                pools.Held(channel, held.Counters);
                stats.Count(channelId, full: false, clock.UtcNow);
                var account = view.Pool.Concat(view.Backups).First(a => a.Id == attempt.AccountId);
                var persona = await records.PersonaAsync(account.Profile.PersonaId);
                return new(channelId, channel, persona, account.Id, account.Profile.QrCodeUrl, held.Token, attempt.IsBackup, account.Profile.WeChatId);
            }
        }

        stats.Count(channelId, full: true, clock.UtcNow);
        await ledger.RaiseAlertAsync("pool-full", channelId, $"Channel '{channel.Name}' is full: every account of its pool is at capacity. Open a new sibling account or name a backup.");
        var shown = channel.PersonaId is { } personaId ? await records.PersonaAsync(personaId) : null;
        return new(channelId, channel, shown, null, null, null, false);
    }

    /// <summary>
    /// The same browser scanning again while its hold lives (a customer who closed the page, a refresh): the same
    /// account, and no second slot taken. Null when that hold lapsed or became a friend; the caller then scans.
    /// </summary>
    public async Task<LiveCodeResult?> RescanAsync(string channelId, string accountId, Guid reservation)
    {
        if (!await ledger.HoldIsLiveAsync(reservation, accountId, channelId)) return null;
        var channel = await records.ChannelAsync(channelId);
        if (channel is null) return null;
        var account = (await pools.GetAsync(channel, fresh: false)) is var view ? view.Pool.Concat(view.Backups).FirstOrDefault(a => a.Id == accountId) : null;
        if (account is null) return null;
        var persona = await records.PersonaAsync(account.Profile.PersonaId);
        return new(channelId, channel, persona, account.Id, account.Profile.QrCodeUrl, reservation, view.Backups.Any(b => b.Id == accountId), account.Profile.WeChatId);
    }

    /// <summary>Would a scan find room now? Plans as a scan does on a fresh read, holds nothing (for the console and for alerts).</summary>
    public async Task<bool?> HasRoomAsync(string channelId) => await RoomAsync(channelId) switch
    {
        ChannelRoom.Unknown => null,
        ChannelRoom.Open => true,
        _ => false,
    };

    /// <summary>
    /// A channel's state at this moment, from a fresh read of its pool (never a cached "full"): a pool with no account
    /// at all is told apart from one whose accounts are full, since the fix differs (add accounts, or open a sibling).
    /// </summary>
    public async Task<ChannelRoom> RoomAsync(string channelId)
    {
        var channel = await records.ChannelAsync(channelId);
        if (channel is null) return ChannelRoom.Unknown;
        return RoomOf(await pools.GetAsync(channel, fresh: true));
    }

    /// <summary>
    /// What a scan of each channel would meet, from one read of every account (the channel list, which would
    /// otherwise read each channel's pool in turn).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ChannelRoom>> RoomsAsync(IReadOnlyCollection<(string Id, ChannelDefinition Channel)> channels)
    {
        var accounts = await directory.AccountsAsync();
        var byId = accounts.ToDictionary(a => a.Id);
        // A chain has a thousand accounts and a hundred channels: each pool is looked up, not searched for.
        var (byPersona, byRole) = (accounts.ToLookup(a => a.Profile.PersonaId), accounts.ToLookup(a => a.Profile.Role));
        return channels.ToDictionary(c => c.Id, c => RoomOf(new PoolView(
            [.. c.Channel.PersonaId is { } persona ? byPersona[persona] : c.Channel.Role is { } role ? byRole[role] : []],
            [.. c.Channel.BackupAccountIds.Select(byId.GetValueOrDefault).OfType<AccountEntry>()], IsFresh: true)));
    }

    /// <summary>
    /// The accounts a scan of the channel could be sent to now, in the selector's order (a fresh read, holding
    /// nothing): what a WeCom contact way lists, since WeCom chooses among its members itself.
    /// </summary>
    public async Task<IReadOnlyList<AccountEntry>> OpenAccountsAsync(string channelId)
    {
        if (await records.ChannelAsync(channelId) is not { } channel) return [];
        var view = await pools.GetAsync(channel, fresh: true);
        var byId = view.Pool.Concat(view.Backups).GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.First());
        return [.. Plan(view, spread: false).Select(a => byId[a.AccountId])];
    }

    private ChannelRoom RoomOf(PoolView view) =>
        view.Pool.Count + view.Backups.Count == 0 ? ChannelRoom.NoAccounts : Plan(view, spread: false).Count > 0 ? ChannelRoom.Open : ChannelRoom.Full;

    private IReadOnlyList<ReservationAttempt> Plan(PoolView view, bool spread = true) =>
        AccountSelector.Plan(view.Pool.Select(ToCandidate).ToList(), view.Backups.Select(ToCandidate).ToList(), spread ? Random.Shared : null);

    private Candidate ToCandidate(AccountEntry a) => new(
        a.Id, a.Profile.Status, a.Profile.Capacity, a.Ledger.Friends, a.Ledger.Reserved, a.Ledger.AddedToday,
        a.Profile.AgeDays(clock.UtcNow), a.Profile.Roster.IsOnShift(clock.LocalNow));
}
