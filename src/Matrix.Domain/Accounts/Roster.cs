namespace Matrix.Domain.Accounts;

/// <summary>A weekly time slot when the account's operator is on shift (local time of the store).</summary>
public sealed record ShiftSlot(DayOfWeek Day, TimeOnly From, TimeOnly To);

/// <summary>A date range (holidays, leave) that replaces the weekly slots: off entirely, or other slots.</summary>
public sealed record RosterOverride(DateOnly From, DateOnly To, IReadOnlyList<ShiftSlot> Slots);

/// <summary>When the person holding an account's phone is working. An account with no roster is always on.</summary>
public sealed record Roster(IReadOnlyList<ShiftSlot> Weekly, IReadOnlyList<RosterOverride> Overrides)
{
    public static readonly Roster AlwaysOn = new([], []);

    private bool IsAlwaysOn => Weekly.Count == 0 && Overrides.Count == 0;

    public bool IsOnShift(DateTime local)
    {
        if (IsAlwaysOn) return true;
        var time = TimeOnly.FromDateTime(local);
        return SlotsOn(DateOnly.FromDateTime(local)).Any(s => s.From <= time && time < s.To);
    }

    /// <summary>
    /// The first moment at or after <paramref name="local"/> when the operator is on shift (a follow-up due on a
    /// day off waits for the next shift). Looks 60 days ahead; a roster with no shift in that time does not hold
    /// anything back.
    /// </summary>
    public DateTime NextOnShift(DateTime local)
    {
        if (IsOnShift(local)) return local;
        for (var day = DateOnly.FromDateTime(local); day <= DateOnly.FromDateTime(local).AddDays(60); day = day.AddDays(1))
            foreach (var slot in SlotsOn(day).OrderBy(s => s.From))
                if (day.ToDateTime(slot.From) >= local) return day.ToDateTime(slot.From);
        return local;
    }

    /// <summary>The slots of a date: an override's when one covers it (the last one wins), else the weekly ones for its weekday.</summary>
    private IEnumerable<ShiftSlot> SlotsOn(DateOnly date) =>
        (Overrides.LastOrDefault(o => o.From <= date && date <= o.To)?.Slots ?? Weekly).Where(s => s.Day == date.DayOfWeek);

    public IEnumerable<FieldError> Validate()
    {
        foreach (var (slot, i) in Weekly.Select((s, i) => (s, i)))
            if (slot.To <= slot.From) yield return FieldError.Of($"roster.weekly[{i}].to", RuleKeys.EndAfterStart, "must be after 'from'");
        foreach (var (o, i) in Overrides.Select((o, i) => (o, i)))
        {
            if (o.To < o.From) yield return FieldError.Of($"roster.overrides[{i}].to", RuleKeys.EndAfterStart, "must not be before 'from'");
            foreach (var (slot, j) in o.Slots.Select((s, j) => (s, j)))
                if (slot.To <= slot.From) yield return FieldError.Of($"roster.overrides[{i}].slots[{j}].to", RuleKeys.EndAfterStart, "must be after 'from'");
        }
    }
}
