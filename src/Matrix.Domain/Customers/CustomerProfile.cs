using System.Globalization;
using System.Text.RegularExpressions;

namespace Matrix.Domain.Customers;

/// <summary>
/// What the team writes down about a customer: the name they go by, a remark, a phone, who referred them (裂变),
/// and free attributes (prescription, child's age, birthday). A value written as yyyy-MM-dd is a date that
/// "N days before" plans can count from.
/// </summary>
public sealed partial record CustomerProfile(string? DisplayName = null, string? Remark = null, string? Phone = null, string? ReferrerId = null,
    IReadOnlyDictionary<string, string>? Attributes = null)
{
    public const int AttributesMax = 30;

    public IReadOnlyDictionary<string, string> Fields => Attributes ?? new Dictionary<string, string>();

    public IEnumerable<FieldError> Validate(string customerId)
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "displayName", DisplayName, 64, required: false);
        Check.Text(errors, "remark", Remark, 500, required: false);
        if (Phone is not null && !PhonePattern().IsMatch(Phone)) errors.Add(FieldError.Of("phone", RuleKeys.Phone, "must be 5-20 digits, optionally with +, spaces or dashes"));
        if (ReferrerId == customerId) errors.Add(FieldError.Of("referrerId", RuleKeys.SelfReferral, "a customer cannot refer themselves"));
        Check.Text(errors, "referrerId", ReferrerId, 128, required: false);
        if (Fields.Count > AttributesMax) errors.Add(FieldError.Of("attributes", RuleKeys.TooMany, "at most {0}", AttributesMax));
        foreach (var (key, value) in Fields)
        {
            if (!KeyPattern().IsMatch(key)) errors.Add(FieldError.Of($"attributes.{key}", RuleKeys.AttributeKey, "keys are 1-32 lowercase letters, digits or underscores"));
            Check.Text(errors, $"attributes.{key}", value, 200);
            // A value written as a date must be a real one: plans count from it.
            if (value.Length == 10 && value[4] == '-' && value[7] == '-' && value.Count(char.IsDigit) == 8)
            {
                if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    if (TimeWindows.Date($"attributes.{key}", date) is { } tooEarly) errors.Add(tooEarly);
                }
                else errors.Add(FieldError.Of($"attributes.{key}", RuleKeys.RealDate, "is not a real date (yyyy-MM-dd)"));
            }
        }
        return errors;
    }

    /// <summary>The attributes whose value differs between the two profiles (added, removed or changed), in key order.</summary>
    public IEnumerable<string> ChangedAttributes(CustomerProfile other) =>
        Fields.Keys.Union(other.Fields.Keys).Where(k => Fields.GetValueOrDefault(k) != other.Fields.GetValueOrDefault(k)).Order(StringComparer.Ordinal);

    /// <summary>The attribute as a date, when it is written as one (yyyy-MM-dd).</summary>
    public DateOnly? DateOf(string attribute) =>
        Fields.TryGetValue(attribute, out var v) && DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    [GeneratedRegex(@"^\+?[0-9][0-9 \-]{3,18}[0-9]$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex("^[a-z0-9_]{1,32}$")]
    private static partial Regex KeyPattern();
}
