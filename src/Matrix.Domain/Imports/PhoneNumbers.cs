namespace Matrix.Domain.Imports;

/// <summary>
/// One phone number, however it was written: "+86 138-0013-8000", "0086 13800138000" and "13800138000" are the
/// same customer. Mainland numbers lose the country code; others keep theirs with a plus.
/// </summary>
public static class PhoneNumbers
{
    /// <summary>The number as Matrix keeps and compares it, or null when the text is not a phone number.</summary>
    public static string? Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var kept = new string([.. text.Trim().Where(c => c is not (' ' or '-' or '(' or ')' or '.' or '\u00a0'))]);
        var international = kept.StartsWith('+') || kept.StartsWith("00", StringComparison.Ordinal);
        var digits = kept.StartsWith('+') ? kept[1..] : kept.StartsWith("00", StringComparison.Ordinal) ? kept[2..] : kept;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return null;
        if (international || (digits.Length == 13 && digits.StartsWith("861", StringComparison.Ordinal)))
        {
            if (!digits.StartsWith("86", StringComparison.Ordinal)) return digits.Length is >= 7 and <= 15 ? "+" + digits : null;
            digits = digits[2..];
        }
        // A mainland mobile is 11 digits from 13 to 19; anything else (a landline with its area code) 5 to 15 digits.
        if (digits.Length == 11 && digits[0] == '1') return digits[1] >= '3' ? digits : null;
        return (digits.Length is >= 5 and <= 15 && digits[0] == '0') || digits.Length is >= 5 and <= 8 ? digits : null;
    }
}
