namespace Matrix.Domain;

/// <summary>A rule a value broke: which field, and why, in words a user can act on.</summary>
/// <remarks>
/// <see cref="Message"/> is English (the API's problem details carry it). A rule that people meet in the console
/// also names itself with a <see cref="Key"/> from <see cref="RuleKeys"/> and its values in <see cref="Args"/>, so the
/// console can say it in the reader's language. Two errors are equal when field and message are.
/// </remarks>
public sealed record FieldError(string Field, string Message)
{
    public string? Key { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>An error whose English text is <paramref name="english"/> formatted with <paramref name="args"/>, translatable by <paramref name="key"/>.</summary>
    public static FieldError Of(string field, string key, string english, params object[] args)
    {
        var values = args.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
        return new(field, string.Format(System.Globalization.CultureInfo.InvariantCulture, english, values)) { Key = key, Args = values };
    }

    public bool Equals(FieldError? other) => other is not null && Field == other.Field && Message == other.Message;

    public override int GetHashCode() => HashCode.Combine(Field, Message);
}

/// <summary>The rules a translation exists for: the console's resources hold "Error.{key}" in every language.</summary>
public static class RuleKeys
{
    public const string Required = "Required";
    public const string TooLong = "TooLong";
    public const string ControlCharacters = "ControlCharacters";
    public const string AtLeast = "AtLeast";
    public const string SoftAboveHard = "SoftAboveHard";
    public const string ChannelId = "ChannelId";
    public const string StateTooLong = "StateTooLong";
    public const string QuietHours = "QuietHours";
    public const string PostsPerDay = "PostsPerDay";
    public const string PostsTooClose = "PostsTooClose";
    public const string OfferShare = "OfferShare";
    public const string WeChatIdTaken = "WeChatIdTaken";
    public const string TagNotListed = "TagNotListed";
}

/// <summary>Thrown by domain operations given values that break a rule; nothing was changed.</summary>
public sealed class DomainValidationException(IReadOnlyList<FieldError> errors)
    : Exception(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;

    public DomainValidationException(string field, string message) : this([new FieldError(field, message)]) { }

    public static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0) throw new DomainValidationException(errors);
    }
}

internal static class Check
{
    public static void Text(List<FieldError> errors, string field, string? value, int max, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) errors.Add(FieldError.Of(field, RuleKeys.Required, "is required"));
            return;
        }
        if (value.Length > max) errors.Add(FieldError.Of(field, RuleKeys.TooLong, "must be at most {0} characters (got {1})", max, value.Length));
        if (value.Any(char.IsControl)) errors.Add(FieldError.Of(field, RuleKeys.ControlCharacters, "must not contain control characters"));
    }
}
