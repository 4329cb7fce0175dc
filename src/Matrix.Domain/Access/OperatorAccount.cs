using System.Text.RegularExpressions;

namespace Matrix.Domain.Access;

/// <summary>A new operator as an admin enters them.</summary>
public sealed partial record NewOperator(string UserName, OperatorRole Role, string Password, string? Team = null)
{
    public const int PasswordMin = 10;

    public IEnumerable<FieldError> Validate()
    {
        if (UserName is null || !UserNamePattern().IsMatch(UserName)) yield return FieldError.Of("userName", RuleKeys.UserName, "3-32 letters, digits, dots, dashes or underscores");
        foreach (var e in CheckRole(Role, Team)) yield return e;
        foreach (var e in CheckPassword(Password, "password")) yield return e;
    }

    /// <summary>A lead or operator belongs to a team (an admin may or may not).</summary>
    public static IEnumerable<FieldError> CheckRole(OperatorRole role, string? team)
    {
        if (!Enum.IsDefined(role)) yield return FieldError.Of("role", RuleKeys.Required, "is required");
        if (role != OperatorRole.Admin && string.IsNullOrWhiteSpace(team)) yield return FieldError.Of("team", RuleKeys.TeamRequired, "a lead or operator belongs to a team");
        if (team is { Length: > 32 }) yield return FieldError.Of("team", RuleKeys.TooLong, "must be at most {0} characters (got {1})", 32, team.Length);
    }

    public static IEnumerable<FieldError> CheckPassword(string? password, string field)
    {
        if (password is null || password.Length < PasswordMin) yield return new(field, $"must be at least {PasswordMin} characters");
        else if (password.Length > 200) yield return new(field, "must be at most 200 characters");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,32}$")]
    private static partial Regex UserNamePattern();
}
