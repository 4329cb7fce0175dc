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
    public const string Between = "Between";
    public const string AtMost = "AtMost";
    public const string NotNegative = "NotNegative";
    public const string TooMany = "TooMany";
    public const string Twice = "Twice";
    public const string ImageUrl = "ImageUrl";
    public const string Phone = "Phone";
    public const string RealDate = "RealDate";
    public const string AttributeKey = "AttributeKey";
    public const string After = "After";
    public const string DateFrom = "DateFrom";
    public const string NotFuture = "NotFuture";
    public const string YearsAhead = "YearsAhead";
    public const string SelfReferral = "SelfReferral";
    public const string MediaKinds = "MediaKinds";
    public const string ChannelPool = "ChannelPool";
    public const string TagInOtherDimension = "TagInOtherDimension";
    public const string IntervalPositive = "IntervalPositive";
    public const string RetiredFinal = "RetiredFinal";
    public const string BelowHardCap = "BelowHardCap";
    public const string HardCapBelowFriends = "HardCapBelowFriends";
    public const string UserName = "UserName";
    public const string UserNameTaken = "UserNameTaken";
    public const string TeamRequired = "TeamRequired";
    public const string PasswordWrong = "PasswordWrong";
    public const string PasswordSame = "PasswordSame";
    public const string SelfDisable = "SelfDisable";
    public const string SelfDemote = "SelfDemote";
    public const string Exists = "Exists";
    public const string Unknown = "Unknown";
    public const string SkipReason = "SkipReason";
    public const string NoWeeklySlot = "NoWeeklySlot";
    public const string DemoNotEmpty = "DemoNotEmpty";
    public const string RehomeStatus = "RehomeStatus";
    public const string EndAfterStart = "EndAfterStart";
    public const string TargetFull = "TargetFull";
    public const string ImportIdentity = "ImportIdentity";
    public const string NotANumber = "NotANumber";
    public const string AccountNotYours = "AccountNotYours";
    public const string CustomerNotYours = "CustomerNotYours";
    public const string AccountFull = "AccountFull";
    public const string OrderOfAnother = "OrderOfAnother";
    public const string SheetFormat = "SheetFormat";
    public const string NotPast = "NotPast";
    public const string WebLink = "WebLink";
    /// <summary>What the console says of a rule that has no key of its own.</summary>
    public const string Invalid = "Invalid";
}

/// <summary>Thrown by domain operations given values that break a rule; nothing was changed.</summary>
public sealed class DomainValidationException(IReadOnlyList<FieldError> errors)
    : Exception(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;

    public DomainValidationException(string field, string message) : this([new FieldError(field, message)]) { }

    /// <summary>One broken rule the console can translate (see <see cref="FieldError.Of"/>).</summary>
    public static DomainValidationException Of(string field, string key, string english, params object[] args) => new([FieldError.Of(field, key, english, args)]);

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
