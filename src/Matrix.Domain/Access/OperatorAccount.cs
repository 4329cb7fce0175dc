using System.Text.RegularExpressions;

namespace Matrix.Domain.Access;

/// <summary>A new operator as an admin enters them.</summary>
public sealed partial record NewOperator(string UserName, OperatorRole Role, string Password, string? Team = null)
{
    public const int PasswordMin = 10;

    public IEnumerable<FieldError> Validate()
    {
        if (UserName is null || !UserNamePattern().IsMatch(UserName)) yield return new("userName", "3-32 letters, digits, dots, dashes or underscores");
        if (Role != OperatorRole.Admin && string.IsNullOrWhiteSpace(Team)) yield return new("team", "a lead or operator belongs to a team");
        if (Team is { Length: > 32 }) yield return new("team", "must be at most 32 characters");
        foreach (var e in CheckPassword(Password, "password")) yield return e;
    }

    public static IEnumerable<FieldError> CheckPassword(string? password, string field)
    {
        if (password is null || password.Length < PasswordMin) yield return new(field, $"must be at least {PasswordMin} characters");
        else if (password.Length > 200) yield return new(field, "must be at most 200 characters");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,32}$")]
    private static partial Regex UserNamePattern();
}
