namespace Matrix.Domain.Accounts;

/// <summary>A customer to move off an account, with the times they were already transferred (WeCom counts them).</summary>
public sealed record RehomeCustomer(string ExternalId, IReadOnlyList<DateTimeOffset> TransfersAt);

public sealed record RehomeAssignment(string ExternalId, string TargetAccountId);

public enum UnplacedReason { NoRoom, TransferLimit }

public sealed record RehomeUnplaced(string ExternalId, UnplacedReason Reason);

public sealed record RehomePlan(IReadOnlyList<RehomeAssignment> Assignments, IReadOnlyList<RehomeUnplaced> Unplaced);

/// <summary>
/// Where the customers of a banned or retired account (or one whose operator left) should go: siblings with room,
/// by the same order as a new friend (below the soft cap first, least filled first, never into the reserve), one
/// customer at a time so the plan itself never overfills a sibling. WeCom lets a customer be transferred at most
/// twice in 90 days; such customers are left out with the reason.
/// </summary>
public static class RehomePlanner
{
    public const int WeComTransfersPer90Days = 2;
    public static readonly TimeSpan WeComTransferWindow = TimeSpan.FromDays(90);

    public static RehomePlan Plan(IReadOnlyList<RehomeCustomer> customers, IReadOnlyList<Candidate> siblings, AccountKind kind, DateTimeOffset now)
    {
        // Rosters and daily budgets pace new adds; a re-home is planned work a person spreads over days, so only
        // status and caps decide here.
        var loads = siblings.Where(s => s.Status.AcceptsFriends()).ToDictionary(s => s.AccountId, s => s with { OnShift = true, AddedToday = 0, Capacity = s.Capacity with { DailyBudget = null } });
        var assignments = new List<RehomeAssignment>();
        var unplaced = new List<RehomeUnplaced>();
        foreach (var customer in customers)
        {
            if (kind == AccountKind.WeCom && customer.TransfersAt.Count(t => now - t < WeComTransferWindow) >= WeComTransfersPer90Days)
            {
                unplaced.Add(new(customer.ExternalId, UnplacedReason.TransferLimit));
                continue;
            }
            var target = AccountSelector.Plan(loads.Values.ToList(), []).FirstOrDefault();
            if (target is null)
            {
                unplaced.Add(new(customer.ExternalId, UnplacedReason.NoRoom));
                continue;
            }
            assignments.Add(new(customer.ExternalId, target.AccountId));
            loads[target.AccountId] = loads[target.AccountId] with { Reserved = loads[target.AccountId].Reserved + 1 };
        }
        return new(assignments, unplaced);
    }
}
