using Matrix.Domain.Accounts;

namespace Matrix.Domain.Channels;

/// <summary>
/// A live code (活码): one printed QR per touch point, pointing at Matrix, which picks the account. It targets a
/// pool (the siblings of one persona, or every account of one role) and tags whoever arrives through it.
/// </summary>
public sealed record ChannelDefinition(
    string Name,
    string? PersonaId,
    AccountRole? Role,
    string State,
    IReadOnlyList<string> Tags,
    string? WelcomeScript,
    IReadOnlyList<string> BackupAccountIds)
{
    /// <summary>WeCom's limit for the "state" of a contact way; kept for personal accounts too, for one attribution scheme.</summary>
    public const int StateMax = 30;

    public static readonly System.Text.RegularExpressions.Regex IdPattern = new("^[a-z0-9][a-z0-9-]{0,47}$");

    public void Validate(string id)
    {
        var errors = new List<FieldError>();
        if (!IdPattern.IsMatch(id)) errors.Add(FieldError.Of("id", RuleKeys.ChannelId, "must be 1-48 lower-case letters, digits or dashes (it is printed in the QR link)"));
        Check.Text(errors, "name", Name, 64);
        if ((PersonaId is null) == (Role is null)) errors.Add(FieldError.Of("pool", RuleKeys.ChannelPool, "give exactly one of personaId (the persona's siblings) or role (all accounts of that role)"));
        if (string.IsNullOrEmpty(State)) errors.Add(FieldError.Of("state", RuleKeys.Required, "is required (it attributes every friend to this channel)"));
        else if (State.Length > StateMax) errors.Add(FieldError.Of("state", RuleKeys.StateTooLong, "must be at most {0} characters (got {1}); WeCom refuses longer ones", StateMax, State.Length));
        else if (State.Any(char.IsControl)) errors.Add(FieldError.Of("state", RuleKeys.ControlCharacters, "must not contain control characters"));
        if (Tags.Count > 20) errors.Add(FieldError.Of("tags", RuleKeys.TooMany, "at most {0}", 20));
        foreach (var (tag, i) in Tags.Select((t, i) => (t, i))) Check.Text(errors, $"tags[{i}]", tag, 32);
        Check.Text(errors, "welcomeScript", WelcomeScript, 1000, required: false);
        if (BackupAccountIds.Count > 10) errors.Add(FieldError.Of("backupAccountIds", RuleKeys.TooMany, "at most {0}", 10));
        DomainValidationException.ThrowIfAny(errors);
    }
}
