namespace Matrix.Domain.Reports;

/// <summary>Which touch a purchase is credited to: the last one done for the customer within a week before it.</summary>
public static class Attribution
{
    /// <summary>How long after a touch a purchase counts for it (the account report's and, later, a campaign's).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);
}
