namespace Matrix.Domain;

/// <summary>A rule a value broke: which field, and why, in words a user can act on.</summary>
public sealed record FieldError(string Field, string Message);

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
            if (required) errors.Add(new(field, "is required"));
            return;
        }
        if (value.Length > max) errors.Add(new(field, $"must be at most {max} characters (got {value.Length})"));
        if (value.Any(char.IsControl)) errors.Add(new(field, "must not contain control characters"));
    }
}
