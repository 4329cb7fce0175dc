using Microsoft.Extensions.Options;

namespace Matrix.Grains;

/// <summary>Store-wide settings of the matrix (section "Matrix").</summary>
public sealed class MatrixOptions
{
    /// <summary>The store's time zone (IANA id): rosters, daily budgets and "today" are counted in it. Default Asia/Shanghai.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>How long a scan of a live code holds a slot on the chosen account. Default 30 minutes.</summary>
    public TimeSpan ReservationHold { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often lapsed reservations are given back. Default 1 minute.</summary>
    public TimeSpan ReservationSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest a node keeps a list it reads on every event (the follow-up plans, a live code's pool) without
    /// reading it again. Writes drop such a list at once, on this node and (announced) on the others; the age is
    /// the bound for a change that reached the database some other way. Default 10 seconds.
    /// </summary>
    public TimeSpan ListCacheMaxAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>No follow-up is due between these local times (the seeds: blasting gets you deleted). Default 21:30-09:00.</summary>
    public TimeOnly QuietFrom { get; set; } = new(21, 30);
    public TimeOnly QuietTo { get; set; } = new(9, 0);

    /// <summary>A sibling's copy of a Moments post not done this long after its planned time shows as late. Default 2 hours.</summary>
    public TimeSpan MomentsGrace { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// An open task this long past its due time is marked expired (a birthday greeting a week late helps nobody); it
    /// leaves the queue but stays on the customer's timeline. Re-homing tasks, which hold a slot, never expire. Default 7 days.
    /// </summary>
    public TimeSpan TaskExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a done, skipped or expired task stays in the hot task table before it moves to the archive (where the
    /// timeline still finds it). At least a day: the dashboard counts today's done work from the hot table. Default 90 days.
    /// </summary>
    public TimeSpan TasksHotFor { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long before its time a follow-up's task is placed on its account's queue (showing as later until due): a
    /// burst of touches due in one minute (a campaign, a node back after an outage) is placed over the hour before
    /// it, so every task is there by its minute. Every rule is applied as of the touch's own time, and a task whose
    /// plan ends in between (a reply, a purchase) is taken back. Zero places each when due. Default 1 hour.
    /// </summary>
    public TimeSpan FollowUpLead { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most this many touches per customer in any rolling window, across all accounts and plans. Default 2 in 7 days.</summary>
    public int CapTouches { get; set; } = 2;
    public TimeSpan CapWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How far in the future an event's time (an add, a purchase, a reply) may be and still be believed: clocks differ. Default 5 minutes.</summary>
    public TimeSpan EventClockSkew { get; set; } = Domain.TimeWindows.Default.ClockSkew;

    /// <summary>How far ahead a planned time (a post) may lie. Default ten years.</summary>
    public TimeSpan PlanningHorizon { get; set; } = Domain.TimeWindows.Default.PlanningHorizon;

    /// <summary>
    /// How often every WeCom group of a join way is counted again from WeCom (groupchat/get), in case a member
    /// callback was missed or a node stopped before counting. Default 10 minutes.
    /// </summary>
    public TimeSpan WeComGroupSweep { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a WeCom app's calls stop after WeCom refuses one for its rate limits (45009, 45033). Default 60 seconds (WeCom's block for a minute's excess).</summary>
    public TimeSpan WeComRateLimitBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When the nightly full sync with each WeCom corp runs, in the store's zone (members, every member's customers,
    /// tags; Domain.WeCom.NightlySync). Default 03:00.
    /// </summary>
    public TimeOnly WeComNightlySync { get; set; } = Domain.WeCom.NightlySync.DefaultAt;

    public Domain.TimeWindows Times => new(EventClockSkew, PlanningHorizon);
}

internal sealed class MatrixOptionsValidator : IValidateOptions<MatrixOptions>
{
    public ValidateOptionsResult Validate(string? name, MatrixOptions o)
    {
        var errors = new List<string>();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _)) errors.Add($"TimeZone '{o.TimeZone}' is not a known time zone id.");
        if (o.ReservationHold <= TimeSpan.Zero) errors.Add("ReservationHold must be positive.");
        if (o.ReservationSweepInterval <= TimeSpan.Zero) errors.Add("ReservationSweepInterval must be positive.");
        if (o.CapTouches < 1) errors.Add("CapTouches must be at least 1.");
        if (o.CapWindow <= TimeSpan.Zero) errors.Add("CapWindow must be positive.");
        // The message budget counts the touches done in the hot task table (TaskStore.PlaceMessagesAsync).
        if (o.CapWindow > o.TasksHotFor) errors.Add("CapWindow must not be longer than TasksHotFor.");
        if (o.EventClockSkew < TimeSpan.Zero) errors.Add("EventClockSkew must not be negative.");
        if (o.PlanningHorizon <= TimeSpan.Zero) errors.Add("PlanningHorizon must be positive.");
        if (o.TaskExpiry <= TimeSpan.Zero) errors.Add("TaskExpiry must be positive.");
        if (o.FollowUpLead < TimeSpan.Zero || o.FollowUpLead > TimeSpan.FromDays(2)) errors.Add("FollowUpLead must be between zero and two days.");
        if (o.TasksHotFor < TimeSpan.FromDays(1)) errors.Add("TasksHotFor must be at least one day.");
        if (o.WeComRateLimitBackoff <= TimeSpan.Zero) errors.Add("WeComRateLimitBackoff must be positive.");
        if (o.WeComGroupSweep <= TimeSpan.Zero) errors.Add("WeComGroupSweep must be positive.");
        if (o.ListCacheMaxAge < TimeSpan.Zero) errors.Add("ListCacheMaxAge must not be negative (zero turns the caches off).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
