namespace Matrix.Runtime.Reminders;

/// <summary>The pure rules of reminder schedules: what is a valid registration and when the next tick falls.</summary>
public static class ReminderSchedule
{
    public const int MaxNameLength = 150;

    /// <summary>Throws <see cref="ReminderRegistrationException"/> naming the first thing wrong with a registration.</summary>
    public static void Validate(string? name, TimeSpan? period, TimeSpan minimumPeriod)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ReminderRegistrationException(nameof(name), "A reminder needs a name; an empty or blank name was given.");
        if (name.Length > MaxNameLength)
            throw new ReminderRegistrationException(nameof(name), $"A reminder name may have at most {MaxNameLength} characters; '{name[..20]}…' has {name.Length}.");
        if (period is { } p)
        {
            if (p <= TimeSpan.Zero)
                throw new ReminderRegistrationException(nameof(period), $"A reminder period must be positive; {p} was given. Leave it out for a one-shot reminder.");
            if (p < minimumPeriod)
                throw new ReminderRegistrationException(nameof(period), $"A reminder period must be at least {minimumPeriod} (ReminderOptions.MinimumPeriod); {p} was given.");
        }
    }

    /// <summary>
    /// The first tick strictly after <paramref name="after"/> on the grid start + n × period. Ticks missed while
    /// nobody was running are skipped, not replayed in a burst, and the grid never drifts with delivery delays.
    /// </summary>
    public static DateTimeOffset NextTick(DateTimeOffset start, TimeSpan period, DateTimeOffset after)
    {
        if (after < start) return start;
        var elapsed = (after - start).Ticks;
        var n = elapsed / period.Ticks + 1;
        return start + TimeSpan.FromTicks(n * period.Ticks);
    }
}
