namespace Matrix.Domain.WeCom;

/// <summary>What a failed WeCom call means for what to do next.</summary>
public enum WeComFailureKind
{
    /// <summary>The corp's setup is wrong (this server's address not trusted, a wrong secret, the app lacking a permission): a person must fix it in WeCom's admin console; trying again sooner does nothing.</summary>
    Setup,

    /// <summary>WeCom's frequency or concurrency limit: the call waits out WeCom's block.</summary>
    RateLimited,

    /// <summary>WeCom busy or out of reach: tried again, later each time.</summary>
    Transient,

    /// <summary>WeCom refused this call itself (an unknown tag, no such relationship): the same call would be refused again.</summary>
    Refused,
}

/// <summary>
/// How Matrix reads WeCom's error codes (WECOM.md §1.3, §1.4) and when it tries a failed call again: one definition
/// for the full sync, the outbox and the console, which shows a setup error as the thing to fix rather than a passing
/// failure.
/// </summary>
public static class WeComFailures
{
    /// <summary>Not WeCom's code: the call got no answer (a timeout, a refused connection, an HTTP error).</summary>
    public const int Unreachable = -2;

    /// <summary>WeCom's own "system busy": the only code its documentation says to retry.</summary>
    public const int SystemBusy = -1;

    public const int UntrustedAddress = 60020;

    /// <summary>WeCom has no such member (a Matrix WeCom account whose userid the corp does not list with customer contact).</summary>
    public const int NoSuchMember = 60111;

    /// <summary>The longest wait between tries of a transient failure, and the wait after a setup error.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    public static WeComFailureKind Classify(int errCode) => errCode switch
    {
        UntrustedAddress or 40001 or 40013 or 40056 or 48002 or 60011 or NoSuchMember or 84074 or 301002 => WeComFailureKind.Setup,
        45009 or 45033 => WeComFailureKind.RateLimited,
        SystemBusy or Unreachable => WeComFailureKind.Transient,
        _ => WeComFailureKind.Refused,
    };

    /// <summary>
    /// When to try again after the <paramref name="attempts"/>-th failure in a row (1 for the first): a rate limit
    /// when WeCom's block ends (a minute when not known), a transient failure after 1, 2, 4... minutes up to an hour,
    /// a setup error in an hour (or at once when someone asks). A refused call is not tried again (null).
    /// </summary>
    public static DateTimeOffset? NextTry(WeComFailureKind kind, int attempts, DateTimeOffset now, DateTimeOffset? blockedUntil = null) => kind switch
    {
        WeComFailureKind.RateLimited => blockedUntil is { } until && until > now ? until : now.AddMinutes(1),
        WeComFailureKind.Transient => now + TimeSpan.FromMinutes(Math.Min(Math.Pow(2, Math.Clamp(attempts, 1, 31) - 1), LongestWait.TotalMinutes)),
        WeComFailureKind.Setup => now + LongestWait,
        _ => null,
    };
}
