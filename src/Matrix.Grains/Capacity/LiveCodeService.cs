using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Matrix.Runtime;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>What a scan of a live code shows: the persona and the QR of the account chosen now, or "full".</summary>
public sealed record LiveCodeResult(string ChannelId, ChannelDefinition Channel, PersonaDetails? Persona, string? AccountId, string? QrCodeUrl, Guid? Reservation, bool IsBackup)
{
    public bool IsFull => AccountId is null;
}

/// <summary>
/// A scan: choose an account of the channel's pool by the domain's rules, then hold a slot on it with one conditional
/// statement. A lost race (someone filled it first) moves on to the next choice; the choice is re-read a few times
/// before the pool is called full.
/// </summary>
public sealed class LiveCodeService(IGrainFactory grains, MatrixDirectory directory, CapacityLedger ledger, StoreClock clock,
    ChannelStats stats, IOptions<MatrixOptions> options)
{
    private const int Rounds = 5;

    public async Task<LiveCodeResult?> ScanAsync(string channelId)
    {
        var channel = await grains.Get<IChannelGrain>(channelId).Get();
        if (channel is null) return null;

        for (var round = 0; round < Rounds; round++)
        {
            var (pool, backups) = await CandidatesAsync(channel);
            var attempts = AccountSelector.Plan(pool.Select(ToCandidate).ToList(), backups.Select(ToCandidate).ToList(), Random.Shared);
            if (attempts.Count == 0) break;
            foreach (var attempt in attempts)
            {
                if (await ledger.TryReserveAsync(attempt.AccountId, attempt.LoadLimit, attempt.BudgetToday, channelId, options.Value.ReservationHold) is not { } token)
                    continue;
                stats.Count(channelId, full: false, clock.UtcNow);
                var account = pool.Concat(backups).First(a => a.Id == attempt.AccountId);
                var persona = await grains.Get<IPersonaGrain>(account.Profile.PersonaId).Get();
                return new(channelId, channel, persona, account.Id, account.Profile.QrCodeUrl, token, attempt.IsBackup);
            }
        }

        stats.Count(channelId, full: true, clock.UtcNow);
        await ledger.RaiseAlertAsync("pool-full", channelId, $"Channel '{channel.Name}' is full: every account of its pool is at capacity. Open a new sibling account or name a backup.");
        var shown = channel.PersonaId is { } personaId ? await grains.Get<IPersonaGrain>(personaId).Get() : null;
        return new(channelId, channel, shown, null, null, null, false);
    }

    /// <summary>Would a scan find room now? Plans as a scan does, holds nothing (for the console and for alerts).</summary>
    public async Task<bool?> HasRoomAsync(string channelId)
    {
        var channel = await grains.Get<IChannelGrain>(channelId).Get();
        if (channel is null) return null;
        var (pool, backups) = await CandidatesAsync(channel);
        return AccountSelector.Plan(pool.Select(ToCandidate).ToList(), backups.Select(ToCandidate).ToList()).Count > 0;
    }

    private async Task<(IReadOnlyList<AccountEntry> Pool, IReadOnlyList<AccountEntry> Backups)> CandidatesAsync(ChannelDefinition channel) =>
        (await directory.AccountsAsync(personaId: channel.PersonaId, role: channel.Role),
         channel.BackupAccountIds.Count > 0 ? await directory.AccountsAsync(ids: channel.BackupAccountIds) : []);

    private Candidate ToCandidate(AccountEntry a) => new(
        a.Id, a.Profile.Status, a.Profile.Capacity, a.Ledger.Friends, a.Ledger.Reserved, a.Ledger.AddedToday,
        a.Profile.AgeDays(clock.UtcNow), a.Profile.Roster.IsOnShift(clock.LocalNow));
}
