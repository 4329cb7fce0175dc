namespace Matrix.Domain;

/// <summary>
/// The times Matrix believes, one rule for each kind of time. An event (a friend added, a purchase, a reply, a task
/// done) happened between <see cref="EarliestEvent"/> and now, give or take a clock's skew; a planned time (a post, a
/// campaign) lies no further ahead than the planning horizon; a date a customer gave (a birthday) is a real date from
/// 1900 on. Anything else is a typo or an attack, and would break the store-day arithmetic downstream (the year 10000
/// in the store's zone).
/// </summary>
public sealed record TimeWindows(TimeSpan ClockSkew, TimeSpan PlanningHorizon)
{
    public static readonly DateTimeOffset EarliestEvent = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateOnly EarliestDate = new(1900, 1, 1);

    /// <summary>The defaults: five minutes of skew, ten years of planning.</summary>
    public static readonly TimeWindows Default = new(TimeSpan.FromMinutes(5), TimeSpan.FromDays(3653));

    public FieldError? Event(string field, DateTimeOffset at, DateTimeOffset now) =>
        at == default ? FieldError.Of(field, RuleKeys.Required, "is required")
        : at < EarliestEvent ? FieldError.Of(field, RuleKeys.After, "must be after {0}", EarliestEvent.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
        : at > now + ClockSkew ? FieldError.Of(field, RuleKeys.NotFuture, "must not be in the future")
        : null;

    public FieldError? Planned(string field, DateTimeOffset at, DateTimeOffset now) =>
        at == default ? FieldError.Of(field, RuleKeys.Required, "is required")
        : at < EarliestEvent ? FieldError.Of(field, RuleKeys.After, "must be after {0}", EarliestEvent.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
        : at > now + PlanningHorizon ? FieldError.Of(field, RuleKeys.YearsAhead, "must be at most {0} years ahead", Math.Round(PlanningHorizon.TotalDays / 365.25))
        : null;

    public static FieldError? Date(string field, DateOnly date) =>
        date < EarliestDate ? FieldError.Of(field, RuleKeys.DateFrom, "must be {0} or later", EarliestDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) : null;

    /// <summary>Throws with every error found (none: returns).</summary>
    public static void ThrowIfAny(params FieldError?[] errors) => DomainValidationException.ThrowIfAny([.. errors.OfType<FieldError>()]);
}
