namespace Matrix.Domain.Access;

/// <summary>admin: everything, settings and users; lead: a team's accounts, customers, plans and calendars; operator: the accounts they hold.</summary>
public enum OperatorRole { Admin, Lead, Operator }

/// <summary>
/// Who is asking: a signed-in operator, or an integration's API key (no role; it sees the accounts it names, "*"
/// for all). Every rule of who may see what is here, so pages, API and tests share one answer.
/// </summary>
public sealed record Viewer(string Name, OperatorRole? Role, string? Team, IReadOnlySet<string>? KeyAccounts = null)
{
    public const string AllAccounts = "*";

    public bool IsAdmin => Role == OperatorRole.Admin;

    /// <summary>May create and change personas, accounts, channels, plans and calendars (within their team, for a lead).</summary>
    public bool Manages => Role is OperatorRole.Admin or OperatorRole.Lead;

    public bool SeesAccount(string accountId, string? team, string? holder) => Role switch
    {
        OperatorRole.Admin => true,
        OperatorRole.Lead => team is not null && team == Team,
        OperatorRole.Operator => holder is not null && holder == Name,
        _ => KeyAccounts is { } keyed && (keyed.Contains(AllAccounts) || keyed.Contains(accountId)),
    };

    /// <summary>A persona is seen by its team's lead, and by whoever sees one of its accounts.</summary>
    public bool SeesPersona(string? team, IEnumerable<(string Id, string? Team, string? Holder)> accounts) =>
        IsAdmin || (Role == OperatorRole.Lead && team is not null && team == Team) || accounts.Any(a => SeesAccount(a.Id, a.Team, a.Holder));

    /// <summary>May change a persona or account of <paramref name="team"/> (a lead only their own team's).</summary>
    public bool ManagesTeam(string? team) => IsAdmin || (Role == OperatorRole.Lead && team is not null && team == Team);
}
