namespace Matrix.Domain.Access;

/// <summary>
/// Repeated failed sign-ins lock an operator for a while, so a password cannot be guessed by trying. Each is a
/// setting: after <see cref="MaxFailures"/> failures in a row (default 5) the operator is locked for <see cref="LockFor"/> (default 15 minutes).
/// </summary>
public sealed record SignInPolicy(int MaxFailures = 5, TimeSpan? Lock = null)
{
    public TimeSpan LockFor => Lock ?? TimeSpan.FromMinutes(15);

    public bool IsLocked(DateTimeOffset? lockedUntil, DateTimeOffset now) => lockedUntil is { } until && until > now;

    /// <summary>After one more failure: the new failure count, and until when the operator is locked (null: not locked).</summary>
    public (int Failures, DateTimeOffset? LockedUntil) AfterFailure(int failures, DateTimeOffset now) =>
        failures + 1 >= MaxFailures ? (0, now + LockFor) : (failures + 1, null);
}
