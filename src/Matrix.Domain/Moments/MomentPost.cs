using Matrix.Domain.FollowUps;

namespace Matrix.Domain.Moments;

public enum PostCategory { Life, Expertise, Product, Offer }

/// <summary>What a Moments post carries besides text: up to 9 images, or one video, or one link (WeCom's limits, used for both kinds of account).</summary>
public sealed record PostMedia(IReadOnlyList<string>? Images = null, string? Video = null, string? Link = null);

/// <summary>A planned Moments post of a persona; its sibling accounts each post it (all of them unless some are named).</summary>
public sealed record MomentPost(string Text, PostCategory Category, DateTimeOffset PlannedAt, PostMedia? Media = null, string? Comment = null,
    IReadOnlyList<string>? Siblings = null)
{
    public const int TextMax = 2_000;
    public const int ImagesMax = 9;

    public IEnumerable<FieldError> ValidateContent()
    {
        if (string.IsNullOrWhiteSpace(Text)) yield return FieldError.Of("text", RuleKeys.Required, "is required");
        else if (Text.Length > TextMax) yield return FieldError.Of("text", RuleKeys.TooLong, "must be at most {0} characters (got {1})", TextMax, Text.Length);
        if (Media is { } m)
        {
            var kinds = (m.Images is { Count: > 0 } ? 1 : 0) + (m.Video is not null ? 1 : 0) + (m.Link is not null ? 1 : 0);
            if (kinds > 1) yield return FieldError.Of("media", RuleKeys.MediaKinds, "give up to 9 images, or one video, or one link: not several kinds");
            if (m.Images is { Count: > ImagesMax }) yield return FieldError.Of("media.images", RuleKeys.TooMany, "at most {0}", ImagesMax);
        }
        if (Comment is { Length: > 500 }) yield return FieldError.Of("comment", RuleKeys.TooLong, "must be at most {0} characters (got {1})", 500, Comment.Length);
    }
}

/// <summary>A persona's posting rules; each a setting with the default the seeds suggest (a beauty brand's personas averaged about 3 a day).</summary>
public sealed record CalendarRules(int MaxPerDay = 3, double MinHoursBetween = 2, double OfferShareMax = 0.30, QuietHours? Quiet = null)
{
    public QuietHours QuietHours => Quiet ?? QuietHours.Default;

    /// <summary>
    /// The rules a post planned (or moved) at its time breaks, given the persona's other posts, in store time. Empty
    /// means it may be planned. Offers may be at most the set share of the week's posts (Monday to Sunday), rounded
    /// down, except that one offer a week is always allowed (or a week's first post could never be an offer).
    /// </summary>
    public IReadOnlyList<FieldError> Check(MomentPost post, IEnumerable<MomentPost> others, TimeZoneInfo zone)
    {
        var errors = post.ValidateContent().ToList();
        var local = TimeZoneInfo.ConvertTime(post.PlannedAt, zone).DateTime;
        var rest = others.Select(o => (Post: o, Local: TimeZoneInfo.ConvertTime(o.PlannedAt, zone).DateTime)).ToList();

        if (QuietHours.Contains(local))
            errors.Add(FieldError.Of("plannedAt", RuleKeys.QuietHours, "falls in quiet hours ({0}-{1}); nobody posts then", $"{QuietHours.From:HH\\:mm}", $"{QuietHours.To:HH\\:mm}"));
        var sameDay = rest.Count(o => o.Local.Date == local.Date);
        if (sameDay + 1 > MaxPerDay)
            errors.Add(FieldError.Of("plannedAt", RuleKeys.PostsPerDay, "{0} already has {1} posts; at most {2} a day", $"{local:yyyy-MM-dd}", sameDay, MaxPerDay));
        if (rest.FirstOrDefault(o => Math.Abs((o.Local - local).TotalHours) < MinHoursBetween) is { Post: not null } near)
            errors.Add(FieldError.Of("plannedAt", RuleKeys.PostsTooClose, "is within {0} hours of the post at {1}", $"{MinHoursBetween:0.#}", $"{near.Local:yyyy-MM-dd HH:mm}"));
        if (post.Category == PostCategory.Offer)
        {
            var week = rest.Where(o => WeekStart(o.Local) == WeekStart(local)).ToList();
            var offers = week.Count(o => o.Post.Category == PostCategory.Offer) + 1;
            var allowed = Math.Max(1, (int)Math.Floor(OfferShareMax * (week.Count + 1)));
            if (offers > allowed)
                errors.Add(FieldError.Of("category", RuleKeys.OfferShare, "would make {0} offers of {1} posts this week; offers may be at most {2} ({3})", offers, week.Count + 1,
                    $"{OfferShareMax * 100:0}%", allowed));
        }
        return errors;
    }

    public IEnumerable<FieldError> Validate()
    {
        if (MaxPerDay is < 1 or > 20) yield return FieldError.Of("rules.maxPerDay", RuleKeys.Between, "must be between {0} and {1}", 1, 20);
        if (MinHoursBetween is < 0 or > 24) yield return FieldError.Of("rules.minHoursBetween", RuleKeys.Between, "must be between {0} and {1}", 0, 24);
        if (OfferShareMax is < 0 or > 1) yield return FieldError.Of("rules.offerShareMax", RuleKeys.Between, "must be between {0} and {1}", 0, 1);
    }

    private static DateTime WeekStart(DateTime local) => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7));
}
