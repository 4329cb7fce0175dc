using Matrix.Domain.Accounts;

namespace Matrix.Domain.FollowUps;

/// <summary>When a follow-up touch may be due: the earliest moment that is outside quiet hours, within the customer's frequency cap and inside the owning account's shifts.</summary>
public static class TouchPlacement
{
    /// <summary>
    /// Each rule can only push the time later, so applying them in turn until none moves it finds the earliest time
    /// all three allow (bounded, in case a roster and the quiet hours never meet).
    /// </summary>
    public static DateTimeOffset Place(DateTimeOffset wanted, QuietHours quiet, FrequencyCap cap, IReadOnlyList<DateTimeOffset> booked, Roster roster, TimeZoneInfo zone)
    {
        var due = wanted;
        for (var i = 0; i < 20; i++)
        {
            var quietOk = DueTimes.Place(TimeZoneInfo.ConvertTime(due, zone).DateTime, quiet, zone);
            var capOk = cap.NextFreeSlot(quietOk, booked);
            var shiftLocal = roster.NextOnShift(TimeZoneInfo.ConvertTime(capOk, zone).DateTime);
            var shiftOk = new DateTimeOffset(shiftLocal, zone.GetUtcOffset(shiftLocal));
            if (shiftOk == due) return due;
            due = shiftOk;
        }
        return due;
    }
}
