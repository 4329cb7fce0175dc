namespace Matrix.Grains;

/// <summary>The store's local time: rosters, daily budgets and "today" are counted in it. Default zone Asia/Shanghai.</summary>
public sealed class StoreClock(TimeProvider time, TimeZoneInfo zone)
{
    public TimeProvider Time { get; } = time;

    public TimeZoneInfo Zone { get; } = zone;

    public DateTimeOffset UtcNow => Time.GetUtcNow();

    public DateTime LocalNow => TimeZoneInfo.ConvertTime(Time.GetUtcNow(), Zone).DateTime;

    public DateOnly Today => DateOnly.FromDateTime(LocalNow);
}
