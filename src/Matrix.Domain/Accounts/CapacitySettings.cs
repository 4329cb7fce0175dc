namespace Matrix.Domain.Accounts;

/// <summary>
/// How many friends an account may hold and gain. Every number is a setting: the platform publishes only the
/// 5,000 hard cap of a personal account; the 3,000 soft cap (Moments reach drops beyond it) and all pacing are
/// the operators' experience, not a platform fact.
/// </summary>
public enum FillLevel { BelowSoft, OverSoft, Full }

public sealed record CapacitySettings
{
    public const int PersonalHardCapLimit = 5_000;
    public const int WeComHardCapLimit = 20_000;

    /// <summary>Friends the account may hold, never passed. Default 5,000 (personal WeChat's limit; WeCom starts there too).</summary>
    public int HardCap { get; init; } = 5_000;

    /// <summary>Above this, siblings below it are preferred. Default 3,000.</summary>
    public int SoftCap { get; init; } = 3_000;

    /// <summary>Slots kept free below the hard cap (for referrals, re-homing). Default 50.</summary>
    public int Reserve { get; init; } = 50;

    /// <summary>New friends a day once warmed up; null means no daily limit. Default 150.</summary>
    public int? DailyBudget { get; init; } = 150;

    /// <summary>Days over which the daily budget ramps up from <see cref="WarmupStartBudget"/>. Default 21.</summary>
    public int WarmupDays { get; init; } = 21;

    /// <summary>The daily budget on an account's first day. Default 20.</summary>
    public int WarmupStartBudget { get; init; } = 20;

    /// <summary>
    /// Follow-up tasks the person holding the phone can work in a day; the rest carry to the next day in due order.
    /// Null means no limit. Default 120 (a message, a look at the reply, a note: a few minutes each).
    /// </summary>
    public int? DailyTasks { get; init; } = 120;

    public static CapacitySettings DefaultFor(AccountKind kind) => new();

    /// <summary>The most friends (and held slots) a live code fills an account to: the hard cap less the reserve.</summary>
    public int HardLimit => HardCap - Reserve;

    /// <summary>How full an account is, as the console shows it: at its hard limit no live code sends anyone there.</summary>
    public FillLevel LevelOf(int friends) => friends >= HardLimit ? FillLevel.Full : friends >= SoftCap ? FillLevel.OverSoft : FillLevel.BelowSoft;

    public IEnumerable<FieldError> Validate(AccountKind kind, string prefix = "capacity")
    {
        var max = kind == AccountKind.WeCom ? WeComHardCapLimit : PersonalHardCapLimit;
        if (HardCap < 1 || HardCap > max)
            yield return FieldError.Of($"{prefix}.hardCap", RuleKeys.Between, "must be between {0} and {1}", 1, max);
        if (SoftCap < 1) yield return FieldError.Of($"{prefix}.softCap", RuleKeys.AtLeast, "must be at least {0}", 1);
        else if (SoftCap > HardCap) yield return FieldError.Of($"{prefix}.softCap", RuleKeys.SoftAboveHard, "must not be above the hard cap ({0})", $"{HardCap:N0}");
        if (Reserve < 0) yield return FieldError.Of($"{prefix}.reserve", RuleKeys.NotNegative, "must not be negative");
        else if (Reserve >= HardCap) yield return FieldError.Of($"{prefix}.reserve", RuleKeys.BelowHardCap, "must be below the hard cap ({0})", HardCap);
        if (DailyBudget is < 0) yield return FieldError.Of($"{prefix}.dailyBudget", RuleKeys.NotNegative, "must not be negative (leave it empty for no daily limit)");
        if (DailyTasks is < 1) yield return FieldError.Of($"{prefix}.dailyTasks", RuleKeys.AtLeast, "must be at least {0} (leave it empty for no limit)", 1);
        if (WarmupDays < 0) yield return FieldError.Of($"{prefix}.warmupDays", RuleKeys.NotNegative, "must not be negative");
        if (WarmupStartBudget < 0) yield return FieldError.Of($"{prefix}.warmupStartBudget", RuleKeys.NotNegative, "must not be negative");
    }

    /// <summary>
    /// The daily budget on a given day of the account's life: a straight ramp from the start budget to the full
    /// budget over the warm-up days (day 0 is the first day), then the full budget.
    /// </summary>
    public int? BudgetOn(int accountAgeDays)
    {
        if (DailyBudget is not { } full) return null;
        if (WarmupDays == 0 || accountAgeDays >= WarmupDays || WarmupStartBudget >= full) return full;
        var day = Math.Max(0, accountAgeDays);
        return WarmupStartBudget + (full - WarmupStartBudget) * day / WarmupDays;
    }
}
