namespace Matrix.Domain.Moments;

/// <summary>Where a template sits in the persona's weekly rhythm: a weekday and a store-local time.</summary>
public sealed record WeeklySlot(DayOfWeek Day, TimeOnly At);

/// <summary>
/// Reusable content for a persona's Moments (the Monday eye-care tip, the Friday offer). A template with a weekly
/// slot is part of the persona's rhythm: applying the templates to a week plans one post per slotted template.
/// </summary>
public sealed record PostTemplate(string Name, string Text, PostCategory Category, PostMedia? Media = null, string? Comment = null,
    WeeklySlot? Slot = null)
{
    public const int NameMax = 60;

    public IEnumerable<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "name", Name, NameMax);
        return errors.Concat(ToPost(DateTimeOffset.UnixEpoch).ValidateContent());
    }

    public MomentPost ToPost(DateTimeOffset plannedAt, IReadOnlyList<string>? siblings = null) =>
        new(Text, Category, plannedAt, Media, Comment, siblings);

    /// <summary>The slot's instant in the week that contains <paramref name="anyDayOfWeek"/> (weeks run Monday to Sunday, store time).</summary>
    public static DateTimeOffset SlotIn(WeeklySlot slot, DateOnly anyDayOfWeek, TimeZoneInfo zone)
    {
        var monday = anyDayOfWeek.AddDays(-(((int)anyDayOfWeek.DayOfWeek + 6) % 7));
        var local = monday.AddDays(((int)slot.Day + 6) % 7).ToDateTime(slot.At);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The same store-local time of day as <paramref name="planned"/>, on <paramref name="date"/>: duplicating a post to a date.</summary>
    public static DateTimeOffset SameTimeOn(DateTimeOffset planned, DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(planned, zone).DateTime));
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
