namespace Matrix.Grains;

/// <summary>The store's local time: rosters, daily budgets and "today" are counted in it. Default zone Asia/Shanghai.</summary>
public sealed class StoreClock(TimeProvider time, TimeZoneInfo zone)
{
    public TimeProvider Time { get; } = time;

    public TimeZoneInfo Zone { get; } = zone;

    public DateTimeOffset UtcNow => Time.GetUtcNow();

    public DateTime LocalNow => TimeZoneInfo.ConvertTime(Time.GetUtcNow(), Zone).DateTime;

    public DateOnly Today => DateOnly.FromDateTime(LocalNow);

    /// <summary>An instant as the store's wall clock shows it (never the server's zone).</summary>
    public DateTime Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone).DateTime;

    /// <summary>The store-local day an instant falls on.</summary>
    public DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(Local(at));

    /// <summary>Where the store's today begins and ends, as instants (a day is not always 24 hours where clocks change).</summary>
    public (DateTimeOffset Start, DateTimeOffset End) TodayUtc => (StartOf(Today).ToUniversalTime(), StartOf(Today.AddDays(1)).ToUniversalTime());

    /// <summary>Where a store day begins, as an instant.</summary>
    public DateTimeOffset StartOf(DateOnly day)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(midnight, Zone.GetUtcOffset(midnight));
    }
}
