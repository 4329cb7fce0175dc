using System.Collections.Concurrent;
using Matrix.Domain.Channels;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>A live code's pool as a scan sees it; <see cref="IsFresh"/> when just read from the database.</summary>
public sealed record PoolView(IReadOnlyList<AccountEntry> Pool, IReadOnlyList<AccountEntry> Backups, bool IsFresh);

/// <summary>
/// This node's last view of each live code's pool: its accounts' profiles and counters. A scan may choose from it
/// and then hold a slot with the one call that decides (matrix_hold_slots, Migrations/0005_lighter_holds.sql); the hold's
/// RETURNING brings the account's new counters back into the view. So a scan is usually one round trip, not two.
/// The view only guides the choice, the database still enforces every cap; and it is dropped when an account is
/// written (here, or announced by another node), after a refused hold, and after MatrixOptions.ListCacheMaxAge.
/// Choices that must see the whole pool as it is now (going above a soft cap, falling back to a backup) are made
/// on a fresh read only (<see cref="LiveCodeService"/>).
/// </summary>
public sealed class PoolSnapshots
{
    private readonly MatrixDirectory _directory;
    private readonly StoreClock _clock;
    private readonly TimeSpan _maxAge;
    private readonly Changes.ChangeGeneration _generation;
    private readonly ConcurrentDictionary<string, Snapshot> _pools = new();

    public PoolSnapshots(MatrixDirectory directory, Changes.ChangeFeed changes, StoreClock clock, IOptions<MatrixOptions> options)
    {
        _directory = directory;
        _clock = clock;
        _maxAge = options.Value.ListCacheMaxAge;
        _generation = new(changes, Changes.ChangeTopics.AccountProfiles);
    }

    public async Task<PoolView> GetAsync(ChannelDefinition channel, bool fresh)
    {
        var key = KeyOf(channel);
        var generation = _generation.Current;
        if (!fresh && _pools.TryGetValue(key, out var s) && s.Generation == generation && _clock.UtcNow - s.ReadAt < _maxAge && s.Day == _clock.Today)
            return new(s.Entries(s.PoolIds), s.Entries(s.BackupIds), false);

        var pool = await _directory.AccountsAsync(personaId: channel.PersonaId, role: channel.Role);
        var backups = channel.BackupAccountIds.Count > 0 ? await _directory.AccountsAsync(ids: channel.BackupAccountIds) : [];
        _pools[key] = new Snapshot(pool.Concat(backups), pool.Select(a => a.Id).ToList(), backups.Select(a => a.Id).ToList(), generation, _clock.UtcNow, _clock.Today);
        return new(pool, backups, true);
    }

    /// <summary>A hold succeeded: the account's counters after it, for the next choice on this node.</summary>
    public void Held(ChannelDefinition channel, LedgerRow counters)
    {
        if (_pools.TryGetValue(KeyOf(channel), out var s)) s.Update(counters);
    }

    /// <summary>A hold was refused: the view was wrong about that account, so the next scan reads the pool again.</summary>
    public void Forget(ChannelDefinition channel) => _pools.TryRemove(KeyOf(channel), out _);

    // Channels that draw on the same accounts share one view.
    private static string KeyOf(ChannelDefinition c) => $"{c.PersonaId}|{c.Role}|{string.Join(',', c.BackupAccountIds)}";

    private sealed class Snapshot(IEnumerable<AccountEntry> accounts, IReadOnlyList<string> poolIds, IReadOnlyList<string> backupIds, long generation,
        DateTimeOffset readAt, DateOnly day)
    {
        private readonly ConcurrentDictionary<string, AccountEntry> _accounts = new(accounts.Select(a => KeyValuePair.Create(a.Id, a)));

        public IReadOnlyList<string> PoolIds { get; } = poolIds;
        public IReadOnlyList<string> BackupIds { get; } = backupIds;
        public long Generation { get; } = generation;
        public DateTimeOffset ReadAt { get; } = readAt;
        public DateOnly Day { get; } = day;

        public IReadOnlyList<AccountEntry> Entries(IReadOnlyList<string> ids) => ids.Select(id => _accounts[id]).ToList();

        public void Update(LedgerRow counters)
        {
            if (_accounts.TryGetValue(counters.AccountId, out var entry)) _accounts[counters.AccountId] = entry with { Ledger = counters };
        }
    }
}
