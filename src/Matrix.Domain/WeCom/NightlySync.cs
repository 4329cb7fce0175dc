namespace Matrix.Domain.WeCom;

/// <summary>
/// When the nightly full sync with WeCom is due: once a day, at the first chance after <c>at</c> in the store's zone
/// (a quiet hour by default), unless a full sync already began since that time. A node that was down at the hour
/// catches up when it comes back.
/// </summary>
public static class NightlySync
{
    /// <summary>03:00 in the store's zone: customers asleep, staff not working the console.</summary>
    public static readonly TimeOnly DefaultAt = new(3, 0);

    public static bool IsDue(DateTimeOffset? lastFullSync, DateTimeOffset now, TimeZoneInfo zone, TimeOnly at)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var slotDay = local.TimeOfDay >= at.ToTimeSpan() ? local.Date : local.Date.AddDays(-1);
        var slot = DateTime.SpecifyKind(slotDay + at.ToTimeSpan(), DateTimeKind.Unspecified);
        var slotInstant = new DateTimeOffset(slot, zone.GetUtcOffset(slot));
        return lastFullSync is null || lastFullSync < slotInstant;
    }
}
