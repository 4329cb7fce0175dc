using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Campaigns;

public enum CampaignRepeat { Once, Weekly }

/// <summary>
/// When a campaign sends: once (at <paramref name="At"/>, or at once when left out) or every week at a slot in the
/// store's time (<paramref name="Day"/>, <paramref name="Time"/>: member day every Tuesday 10:00), optionally ending on
/// <paramref name="EndsOn"/> (its last possible day).
/// </summary>
public sealed record CampaignSchedule(CampaignRepeat Repeat, DateTimeOffset? At = null, DayOfWeek? Day = null, TimeOnly? Time = null, DateOnly? EndsOn = null)
{
    /// <summary>The first occurrence of a campaign launched at <paramref name="launched"/>.</summary>
    public DateTimeOffset? First(DateTimeOffset launched, TimeZoneInfo zone) => Repeat == CampaignRepeat.Once
        ? (At is { } at && at > launched ? at : launched)
        : Next(launched, zone, inclusive: true);

    /// <summary>The occurrence after <paramref name="previous"/> (none for a single send, or past the end).</summary>
    public DateTimeOffset? After(DateTimeOffset previous, TimeZoneInfo zone) => Repeat == CampaignRepeat.Once ? null : Next(previous, zone, inclusive: false);

    private DateTimeOffset? Next(DateTimeOffset from, TimeZoneInfo zone, bool inclusive)
    {
        var local = TimeZoneInfo.ConvertTime(from, zone).DateTime;
        var slot = TriggerTimes.NextWeekly(Day!.Value, Time!.Value, local);
        if (!inclusive && slot == local) slot = slot.AddDays(7);
        if (EndsOn is { } end && DateOnly.FromDateTime(slot) > end) return null;
        return new DateTimeOffset(slot, zone.GetUtcOffset(slot));
    }

    internal void Validate(List<FieldError> errors, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (Repeat == CampaignRepeat.Weekly)
        {
            if (Day is null) errors.Add(FieldError.Of("schedule.day", RuleKeys.Required, "is required"));
            if (Time is null) errors.Add(FieldError.Of("schedule.time", RuleKeys.Required, "is required"));
            if (At is not null) errors.Add(FieldError.Of("schedule.at", RuleKeys.Invalid, "is for a single send; a weekly campaign has a day and a time"));
        }
        else if (Day is not null || Time is not null || EndsOn is not null)
            errors.Add(FieldError.Of("schedule.repeat", RuleKeys.Invalid, "must be Weekly for a day, a time or an end date"));
        if (At is { } at && at < now.AddMinutes(-1)) errors.Add(FieldError.Of("schedule.at", RuleKeys.NotPast, "must not be in the past"));
        if (At is { } far && far > now.AddYears(1)) errors.Add(FieldError.Of("schedule.at", RuleKeys.YearsAhead, "must be at most {0} years ahead", 1));
        // A weekly campaign whose last day comes before its first slot would never send.
        if (Repeat == CampaignRepeat.Weekly && Day is not null && Time is not null && EndsOn is not null && First(now, zone) is null)
            errors.Add(FieldError.Of("schedule.endsOn", RuleKeys.EndAfterStart, "must not be before the first occurrence"));
    }
}

/// <summary>
/// One message to a segment's customers: a template with the plans' placeholders ({nickname}, {persona_name},
/// {last_purchase}, attributes), an optional image and link, on a schedule.
/// </summary>
public sealed record CampaignDefinition(string Name, string SegmentId, string Template, string? ImageUrl, string? Link, CampaignSchedule Schedule)
{
    public void Validate(DateTimeOffset now, TimeZoneInfo zone)
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "name", Name, 64);
        Check.Text(errors, "segmentId", SegmentId, 64);
        Check.Text(errors, "template", Template, FollowUpPlan.TemplateMax);
        if (ImageUrl is { Length: > 0 } image && !Accounts.PersonaDetails.IsWebOrDataImage(image))
            errors.Add(FieldError.Of("imageUrl", RuleKeys.ImageUrl, "must be an http(s) URL or a data:image URL"));
        if (Link is { Length: > 0 } link && !(Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && link.Length <= 500))
            errors.Add(FieldError.Of("link", RuleKeys.WebLink, "must be an http(s) URL of at most {0} characters", 500));
        if (Schedule is null) errors.Add(FieldError.Of("schedule", RuleKeys.Required, "is required"));
        else Schedule.Validate(errors, now, zone);
        DomainValidationException.ThrowIfAny(errors);
    }

    /// <summary>The message a recipient's task carries: the filled template, then the link and the image on lines of their own.</summary>
    public string MessageFor(IReadOnlyDictionary<string, string> fields) =>
        string.Join('\n', new[] { TemplateRenderer.Render(Template, fields), Link, ImageUrl is { } i && !i.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? i : null }
            .Where(p => !string.IsNullOrEmpty(p)));
}
