namespace Matrix.Domain.Customers;

/// <summary>The store manual's four classes, by purchase count (DOMAIN.md, "Customers").</summary>
public enum CustomerClass { A, B, C, D }

public enum CustomerStage { Added, Engaged, FirstPurchase, Repeat, SuperUser, Dormant, Lost }

public enum ScoreBand { S, A, B, C }

public sealed record PurchaseItem(string Sku, int Qty, string? Category = null);

public sealed record Purchase(string OrderId, decimal Amount, IReadOnlyList<PurchaseItem> Items, DateTimeOffset At, DateTimeOffset? RefundedAt = null)
{
    public bool Counts => RefundedAt is null;
}

/// <summary>Points each part of the value score can give (they need not add up to 100; the total is capped at 100).</summary>
public sealed record ScoreWeights(int Recency = 30, int Frequency = 25, int Spend = 25, int Engagement = 10, int Referrals = 10);

/// <summary>Every number of the customer rules, each a setting with the default the store manual suggests.</summary>
public sealed record CustomerSettings
{
    /// <summary>Purchases needed for classes B, C and D. Default 1, 2, 3.</summary>
    public int ClassB { get; init; } = 1;
    public int ClassC { get; init; } = 2;
    public int ClassD { get; init; } = 3;

    /// <summary>No purchase and no reply for this many days makes a customer dormant. Default 90.</summary>
    public int DormantAfterDays { get; init; } = 90;

    public ScoreWeights Weights { get; init; } = new();

    /// <summary>A purchase this recent gives full recency points; one a year old gives none. Default 7 days.</summary>
    public int RecencyFullDays { get; init; } = 7;
    public int RecencyZeroDays { get; init; } = 365;

    /// <summary>Full points at this many purchases, this much spend (yuan), messages in 90 days, referrals.</summary>
    public int FrequencyFull { get; init; } = 10;
    public decimal SpendFull { get; init; } = 5_000m;
    public int EngagementFull { get; init; } = 20;
    public int ReferralsFull { get; init; } = 5;

    /// <summary>Lowest totals of bands S, A and B; below B is C. Default 80, 60, 40.</summary>
    public int BandS { get; init; } = 80;
    public int BandA { get; init; } = 60;
    public int BandB { get; init; } = 40;
}

/// <summary>The value score (私域价值分) with the points each part gave, so the team sees why.</summary>
public sealed record ScoreBreakdown(int Recency, int Frequency, int Spend, int Engagement, int Referrals)
{
    public int Total => Math.Min(100, Recency + Frequency + Spend + Engagement + Referrals);
}

/// <summary>What the rules need to know of a customer at one moment.</summary>
public sealed record CustomerFacts(
    IReadOnlyList<Purchase> Purchases,
    DateTimeOffset FirstAddedAt,
    DateTimeOffset? LastReplyAt,
    int MessagesLast90Days,
    int Referrals,
    bool DeletedUsEverywhere);

public static class CustomerRules
{
    public static CustomerClass Classify(int purchases, CustomerSettings s) =>
        purchases >= s.ClassD ? CustomerClass.D : purchases >= s.ClassC ? CustomerClass.C : purchases >= s.ClassB ? CustomerClass.B : CustomerClass.A;

    public static ScoreBreakdown Score(CustomerFacts f, CustomerSettings s, DateTimeOffset now)
    {
        var counted = f.Purchases.Where(p => p.Counts).ToList();
        var w = s.Weights;
        var recency = 0;
        if (counted.Count > 0)
        {
            var days = (now - counted.Max(p => p.At)).TotalDays;
            var share = days <= s.RecencyFullDays ? 1 : days >= s.RecencyZeroDays ? 0 : 1 - (days - s.RecencyFullDays) / (s.RecencyZeroDays - s.RecencyFullDays);
            recency = (int)Math.Round(w.Recency * share, MidpointRounding.AwayFromZero);
        }
        return new(
            recency,
            Part(w.Frequency, counted.Count, s.FrequencyFull),
            Part(w.Spend, (double)counted.Sum(p => p.Amount), (double)s.SpendFull),
            Part(w.Engagement, f.MessagesLast90Days, s.EngagementFull),
            Part(w.Referrals, f.Referrals, s.ReferralsFull));
    }

    public static ScoreBand Band(int total, CustomerSettings s) =>
        total >= s.BandS ? ScoreBand.S : total >= s.BandA ? ScoreBand.A : total >= s.BandB ? ScoreBand.B : ScoreBand.C;

    /// <summary>
    /// Lost beats everything (the customer deleted us); then dormant (silent and not buying for the set days); then the
    /// purchase ladder; then engaged (has replied); else just added.
    /// </summary>
    public static CustomerStage Stage(CustomerFacts f, CustomerSettings s, DateTimeOffset now)
    {
        if (f.DeletedUsEverywhere) return CustomerStage.Lost;
        var counted = f.Purchases.Count(p => p.Counts);
        var lastActivity = new[] { f.FirstAddedAt, f.LastReplyAt ?? DateTimeOffset.MinValue, f.Purchases.Where(p => p.Counts).Select(p => p.At).DefaultIfEmpty(DateTimeOffset.MinValue).Max() }.Max();
        if ((now - lastActivity).TotalDays >= s.DormantAfterDays) return CustomerStage.Dormant;
        return Classify(counted, s) switch
        {
            CustomerClass.D => CustomerStage.SuperUser,
            CustomerClass.C => CustomerStage.Repeat,
            CustomerClass.B => CustomerStage.FirstPurchase,
            _ => f.LastReplyAt is null ? CustomerStage.Added : CustomerStage.Engaged,
        };
    }

    public static void Validate(Purchase p)
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "orderId", p.OrderId, 64);
        if (p.Amount < 0) errors.Add(FieldError.Of("amount", RuleKeys.NotNegative, "must not be negative"));
        if (p.Amount > 10_000_000m) errors.Add(FieldError.Of("amount", RuleKeys.AtMost, "must be at most {0}", 10_000_000));
        if (p.At == default) errors.Add(FieldError.Of("at", RuleKeys.Required, "is required"));
        if (p.Items.Count > 200) errors.Add(FieldError.Of("items", RuleKeys.TooMany, "at most {0}", 200));
        foreach (var (item, i) in p.Items.Select((x, i) => (x, i)))
        {
            Check.Text(errors, $"items[{i}].sku", item.Sku, 64);
            Check.Text(errors, $"items[{i}].category", item.Category, 64, required: false);
            if (item.Qty is < 1 or > 10_000) errors.Add(new($"items[{i}].qty", "must be between 1 and 10000"));
        }
        DomainValidationException.ThrowIfAny(errors);
    }

    private static int Part(int weight, double value, double full) =>
        full <= 0 ? 0 : (int)Math.Round(weight * Math.Clamp(value / full, 0, 1), MidpointRounding.AwayFromZero);
}
