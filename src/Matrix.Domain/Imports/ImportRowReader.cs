using System.Globalization;
using Matrix.Domain.Customers;

namespace Matrix.Domain.Imports;

/// <summary>
/// Reads a sheet's row into an <see cref="ImportRow"/>: each cell checked by the rule the console applies to the
/// same field, times read in the store's zone, tags only from the managed list. Every broken rule is kept (a row
/// says all that is wrong with it at once), named by the field the console names.
/// </summary>
public sealed class ImportRowReader(IReadOnlyList<ImportColumn?> columns, TagCatalog catalog, TimeZoneInfo zone, TimeWindows times, DateTimeOffset now)
{
    public const int IdMax = 128;

    private static readonly char[] TagSeparators = [',', '，', ';', '；', '、', '|', '\n'];
    private static readonly string[] TimeFormats =
        ["yyyy-M-d", "yyyy/M/d", "yyyy.M.d", "yyyy-M-d H:mm", "yyyy/M/d H:mm", "yyyy-M-d H:mm:ss", "yyyy/M/d H:mm:ss", "yyyyMMdd"];

    public ImportRow Read(int number, IReadOnlyList<string?> cells)
    {
        var errors = new List<FieldError>();
        string? Cell(ImportField field) => Text(columns.Select((c, i) => c?.Field == field && i < cells.Count ? cells[i] : null).FirstOrDefault(v => v is not null));

        var wecom = Id(errors, "wecomId", Cell(ImportField.WeComId));
        var wechat = Id(errors, "weChatId", Cell(ImportField.WeChatId));
        string? phone = null;
        if (Cell(ImportField.Phone) is { } written && (phone = PhoneNumbers.Normalise(written)) is null)
            errors.Add(FieldError.Of("phone", RuleKeys.Phone, "must be 5-20 digits, optionally with +, spaces or dashes"));
        if (wecom is null && wechat is null && phone is null && errors.Count == 0)
            errors.Add(FieldError.Of("weChatId", RuleKeys.ImportIdentity, "give a WeCom ID, a WeChat ID or a phone"));

        var tags = Tags(errors, cells);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count && i < cells.Count; i++)
            if (columns[i] is { Field: ImportField.Attribute, Attribute: { } key } && Text(cells[i]) is { } value)
                attributes[key] = DateText(value) ?? value;

        var name = Cell(ImportField.Name);
        var remark = Cell(ImportField.Remark);
        var profile = new CustomerProfile(name, remark, phone, Attributes: attributes);
        errors.AddRange(profile.Validate(wecom ?? wechat ?? "").Where(e => e.Field != "phone"));

        var addedAt = Time(errors, "addedAt", Cell(ImportField.AddedAt));
        var purchase = Purchase(errors);
        return new(number, wecom, wechat, phone, name, remark, Cell(ImportField.Account), tags, attributes, addedAt, purchase, errors);

        ImportedPurchase? Purchase(List<FieldError> errors)
        {
            var (order, at, amount, category) = (Cell(ImportField.OrderId), Cell(ImportField.PurchasedAt), Cell(ImportField.Amount), Cell(ImportField.Category));
            if (order is null)
            {
                if (at is not null || amount is not null || category is not null) errors.Add(FieldError.Of("orderId", RuleKeys.Required, "is required"));
                return null;
            }
            var time = Time(errors, "purchasedAt", at);
            if (at is null) errors.Add(FieldError.Of("purchasedAt", RuleKeys.Required, "is required"));
            decimal? sum = null;
            if (amount is null) errors.Add(FieldError.Of("amount", RuleKeys.Required, "is required"));
            else if (decimal.TryParse(amount.Replace("¥", "").Replace("￥", "").Replace(",", "").Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value)) sum = value;
            else errors.Add(FieldError.Of("amount", RuleKeys.NotANumber, "is not a number"));
            if (time is not { } when || sum is not { } total) return null;
            try
            {
                CustomerRules.Validate(new(order, total, [new(category ?? "import", 1, category)], when));
            }
            catch (DomainValidationException invalid)
            {
                errors.AddRange(invalid.Errors.Select(e => e with { Field = e.Field.StartsWith("items", StringComparison.Ordinal) ? "category" : e.Field }));
                return null;
            }
            return new(order, when, total, category);
        }
    }

    private List<string> Tags(List<FieldError> errors, IReadOnlyList<string?> cells)
    {
        var tags = new List<string>();
        for (var i = 0; i < columns.Count && i < cells.Count; i++)
        {
            if (columns[i] is not { Field: ImportField.Tags } column || Text(cells[i]) is not { } cell) continue;
            foreach (var token in cell.Split(TagSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (dimension, tag) = column.Dimension is { } d ? (d, token)
                    : token.Replace('：', ':').Split(':', 2) is [var dim, var t] ? (dim.Trim(), t.Trim()) : ((string?)null, token);
                var listed = dimension is null ? catalog.Contains(tag)
                    : catalog.Dimensions.TryGetValue(dimension, out var ofDimension) && ofDimension.Contains(tag);
                if (!listed) errors.Add(FieldError.Of("tags", RuleKeys.TagNotListed, "'{0}' is not on the tag list (admins add tags there first)", dimension is null ? tag : $"{dimension}:{tag}"));
                else if (!tags.Contains(tag)) tags.Add(tag);
            }
        }
        return tags;
    }

    private static string? Id(List<FieldError> errors, string field, string? value)
    {
        if (value is null) return null;
        if (value.Length > IdMax) errors.Add(FieldError.Of(field, RuleKeys.TooLong, "must be at most {0} characters (got {1})", IdMax, value.Length));
        else if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || value.StartsWith(ImportRow.PhoneKeyPrefix, StringComparison.OrdinalIgnoreCase))
            errors.Add(FieldError.Of(field, RuleKeys.Invalid, "is not an ID"));
        else return value;
        return null;
    }

    /// <summary>A time as a store writes it: a date (midnight), a date and time in the store's zone, or ISO 8601 with its offset.</summary>
    private DateTimeOffset? Time(List<FieldError> errors, string field, string? text)
    {
        if (text is null) return null;
        DateTimeOffset at;
        if (text.Contains('T') && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact)) at = exact;
        else if (DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            at = new DateTimeOffset(local, zone.GetUtcOffset(local));
        else
        {
            errors.Add(FieldError.Of(field, RuleKeys.RealDate, "is not a real date (yyyy-MM-dd)"));
            return null;
        }
        if (times.Event(field, at, now) is { } wrong)
        {
            errors.Add(wrong);
            return null;
        }
        return at;
    }

    /// <summary>A date written another way (2024/5/3) as attributes keep dates (yyyy-MM-dd); null when it is no date.</summary>
    private static string? DateText(string value) =>
        value.Length is >= 8 and <= 10 && (value.Contains('/') || value.Contains('.'))
        && DateOnly.TryParseExact(value, ["yyyy/M/d", "yyyy.M.d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;

    private static string? Text(string? cell) =>
        string.IsNullOrWhiteSpace(cell) ? null : Spreadsheets.SheetText.Restored(cell.Trim());
}
