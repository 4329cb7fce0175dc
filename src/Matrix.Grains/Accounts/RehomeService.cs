using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.Grains.Tasks;

namespace Matrix.Grains.Accounts;

public sealed record RehomeResult(int Planned, IReadOnlyDictionary<string, int> ByTarget, IReadOnlyList<RehomeUnplaced> Unplaced, int AlreadyPlanned);

/// <summary>
/// Moves the customers of a lost account to its siblings: the domain plans, a slot is held on each target, and each
/// move becomes a task for a person (personal WeChat: the old account introduces the new one; WeCom: a transfer,
/// to be automated by the WeCom adapter later). A customer counts on the new account once the task is done.
/// </summary>
public sealed class RehomeService(IGrainFactory grains, MatrixDirectory directory, CapacityLedger ledger, TaskStore tasks, StoreClock clock)
{
    /// <summary>How long a slot is held for a planned move: people work through a re-home over days.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromDays(14);

    public async Task<RehomeResult> PlanAsync(string accountId, bool operatorLeft)
    {
        var source = (await directory.AccountsAsync(ids: [accountId])).FirstOrDefault() ?? throw new KeyNotFoundException($"account {accountId}");
        if (source.Profile.Status is not (AccountStatus.Banned or AccountStatus.Retired or AccountStatus.Restricted) && !operatorLeft)
            throw DomainValidationException.Of("status", RuleKeys.RehomeStatus, "re-homing moves the customers of a banned, retired or restricted account, or of one whose operator left (operatorLeft: true)");

        var siblings = (await directory.AccountsAsync(personaId: source.Profile.PersonaId)).Where(a => a.Id != accountId).ToList();
        // Customers with a move under way, or already friends of a sibling, need no (new) move.
        var open = (await tasks.OpenForAccountAsync(accountId)).Where(t => t.Origin == "rehome").Select(t => t.CustomerId).ToHashSet();
        var customers = new List<RehomeCustomer>();
        foreach (var id in (await ledger.FriendsAsync(accountId, siblings.Select(s => s.Id).ToList())).Where(id => !open.Contains(id)))
        {
            var transfers = source.Profile.Kind == AccountKind.WeCom ? (await grains.Get<ICustomerGrain>(id).Get()).TransfersAt : [];
            customers.Add(new RehomeCustomer(id, transfers));
        }

        var now = clock.UtcNow;
        var plan = RehomePlanner.Plan(customers, siblings.Select(s => new Candidate(s.Id, s.Profile.Status, s.Profile.Capacity,
            s.Ledger.Friends, s.Ledger.Reserved, 0, s.Profile.AgeDays(now), true)).ToList(), source.Profile.Kind, now);

        var byTarget = new Dictionary<string, int>();
        var unplaced = plan.Unplaced.ToList();
        foreach (var move in plan.Assignments)
        {
            var target = siblings.First(s => s.Id == move.TargetAccountId);
            // The plan counted on a snapshot; the hold is what makes the room real (or tells that it is gone).
            var slot = (await ledger.TryReserveAsync(target.Id, AccountSelector.HardLimit(new Candidate(target.Id, target.Profile.Status, target.Profile.Capacity, 0, 0, 0, 0, true)), null, null, Hold))?.Token;
            if (slot is null)
            {
                unplaced.Add(new RehomeUnplaced(move.ExternalId, UnplacedReason.NoRoom));
                continue;
            }
            var kind = source.Profile.Kind == AccountKind.WeCom ? "transfer" : "introduce";
            await tasks.AddAsync(new WorkTask(Guid.NewGuid(), accountId, move.ExternalId, kind, target.Profile.WeChatId, now, "rehome", "open",
                target.Id, slot, null, null), now);
            byTarget[target.Id] = byTarget.GetValueOrDefault(target.Id) + 1;
        }
        return new(byTarget.Values.Sum(), byTarget, unplaced, open.Count);
    }
}
