namespace Matrix.Domain.Accounts;

/// <summary>One account as the selector sees it at the moment of a scan.</summary>
public sealed record Candidate(
    string AccountId,
    AccountStatus Status,
    CapacitySettings Capacity,
    int Friends,
    int Reserved,
    int AddedToday,
    int AgeDays,
    bool OnShift)
{
    /// <summary>Friends plus outstanding reservations: what the caps are counted against.</summary>
    public int Load => Friends + Reserved;

    public double Fill => Capacity.HardCap == 0 ? 1 : (double)Load / Capacity.HardCap;

    public int? BudgetToday => Capacity.BudgetOn(AgeDays);
}

/// <summary>An attempt to reserve a slot: the account, and the load it may reach with this reservation.</summary>
public sealed record ReservationAttempt(string AccountId, int LoadLimit, int? BudgetToday, bool IsBackup, bool AboveSoftCap);

/// <summary>
/// Which account a new friend should add (the live code's choice), as an ordered list of attempts. The caller
/// reserves on the first attempt whose account still has room at the moment of the atomic reservation; the caps
/// are counted on the value after the increment (a cap of N means N friends, never N+1).
/// </summary>
public static class AccountSelector
{
    /// <param name="spread">
    /// Breaks ties between accounts whose fill is within the same percent of their hard cap. Without it ties go by
    /// id, so every concurrent scan picks the same account and they all queue on its counter; with it they spread
    /// over equally filled siblings. "Least filled first" holds percent band by percent band either way.
    /// </param>
    public static IReadOnlyList<ReservationAttempt> Plan(IReadOnlyList<Candidate> pool, IReadOnlyList<Candidate> backups, Random? spread = null)
    {
        var attempts = new List<ReservationAttempt>();
        Add(attempts, pool, isBackup: false, spread);
        // Backups are the channel's answer to a full pool; they are not mixed into the pool's own order.
        if (attempts.Count == 0) Add(attempts, backups, isBackup: true, spread);
        return attempts;
    }

    private static void Add(List<ReservationAttempt> attempts, IReadOnlyList<Candidate> candidates, bool isBackup, Random? spread)
    {
        var eligible = candidates.Where(IsEligible).ToList();

        // First: below the soft cap, least filled first. Only when none is left below it may any account pass it.
        var belowSoft = LeastFilledFirst(eligible.Where(c => c.Load + 1 <= c.Capacity.SoftCap), spread).ToList();
        if (belowSoft.Count > 0)
        {
            attempts.AddRange(belowSoft.Select(c => new ReservationAttempt(c.AccountId, c.Capacity.SoftCap, c.BudgetToday, isBackup, false)));
            return;
        }

        // Then: up to the hard cap minus the reserve, least filled first. Never at or above the hard cap.
        attempts.AddRange(LeastFilledFirst(eligible.Where(c => c.Load + 1 <= HardLimit(c)), spread)
            .Select(c => new ReservationAttempt(c.AccountId, HardLimit(c), c.BudgetToday, isBackup, true)));
    }

    private static IEnumerable<Candidate> LeastFilledFirst(IEnumerable<Candidate> candidates, Random? spread) =>
        spread is null
            ? candidates.OrderBy(c => c.Fill).ThenBy(c => c.AccountId, StringComparer.Ordinal)
            : candidates.Select(c => (c, tie: spread.Next())).OrderBy(x => (int)(x.c.Fill * 100)).ThenBy(x => x.tie).Select(x => x.c);

    public static bool IsEligible(Candidate c) =>
        c.Status.AcceptsFriends() && c.OnShift && (c.BudgetToday is not { } budget || c.AddedToday + c.Reserved < budget);

    public static int HardLimit(Candidate c) => c.Capacity.HardLimit;
}
