namespace Matrix.Domain.Accounts;

/// <summary>A weekly time slot when the account's operator is on shift (local time of the store).</summary>
public sealed record ShiftSlot(DayOfWeek Day, TimeOnly From, TimeOnly To);

/// <summary>A date range (holidays, leave) that replaces the weekly slots: off entirely, or other slots.</summary>
public sealed record RosterOverride(DateOnly From, DateOnly To, IReadOnlyList<ShiftSlot> Slots);

/// <summary>When the person holding an account's phone is working. An account with no roster is always on.</summary>
public sealed record Roster(IReadOnlyList<ShiftSlot> Weekly, IReadOnlyList<RosterOverride> Overrides)
{
    public static readonly Roster AlwaysOn = new([], []);

    public bool IsOnShift(DateTime local)
    {
        if (Weekly.Count == 0 && Overrides.Count == 0) return true;
        var date = DateOnly.FromDateTime(local);
        var slots = Overrides.LastOrDefault(o => o.From <= date && date <= o.To)?.Slots ?? Weekly;
        var time = TimeOnly.FromDateTime(local);
        return slots.Any(s => s.Day == local.DayOfWeek && s.From <= time && time < s.To);
    }

    public IEnumerable<FieldError> Validate()
    {
        foreach (var (slot, i) in Weekly.Select((s, i) => (s, i)))
            if (slot.To <= slot.From) yield return new($"roster.weekly[{i}].to", "must be after 'from'");
        foreach (var (o, i) in Overrides.Select((o, i) => (o, i)))
        {
            if (o.To < o.From) yield return new($"roster.overrides[{i}].to", "must not be before 'from'");
            foreach (var (slot, j) in o.Slots.Select((s, j) => (s, j)))
                if (slot.To <= slot.From) yield return new($"roster.overrides[{i}].slots[{j}].to", "must be after 'from'");
        }
    }
}
