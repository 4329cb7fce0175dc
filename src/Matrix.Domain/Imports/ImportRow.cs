namespace Matrix.Domain.Imports;

/// <summary>The ways a row can name a customer, in the order they are trusted (a WeCom ID is issued, a phone typed).</summary>
public enum IdentityKind { WeCom, WeChat, Phone }

/// <summary>A past purchase a row brings: recorded by the till's path, once per order id.</summary>
public sealed record ImportedPurchase(string OrderId, DateTimeOffset At, decimal Amount, string? Category);

/// <summary>
/// One row of an import as Matrix understood it, or the rules it broke. <paramref name="Number"/> is the row as the
/// spreadsheet numbers it (the header is row 1), so a lead finds it.
/// </summary>
public sealed record ImportRow(int Number, string? WeComId, string? WeChatId, string? Phone, string? Name, string? Remark, string? Account,
    IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset? AddedAt, ImportedPurchase? Purchase,
    IReadOnlyList<FieldError> Errors)
{
    /// <summary>Customers only a phone identifies are kept under it: <c>tel:</c> and the number.</summary>
    public const string PhoneKeyPrefix = "tel:";

    public bool Valid => Errors.Count == 0;

    /// <summary>The row's identities, most trusted first.</summary>
    public IEnumerable<(IdentityKind Kind, string Value)> Identities()
    {
        if (WeComId is { } wecom) yield return (IdentityKind.WeCom, wecom);
        if (WeChatId is { } wechat) yield return (IdentityKind.WeChat, wechat);
        if (Phone is { } phone) yield return (IdentityKind.Phone, phone);
    }

    /// <summary>The key a customer this row creates is kept under: its most trusted identity.</summary>
    public string NewCustomerId => WeComId ?? WeChatId ?? PhoneKeyPrefix + Phone;

    /// <summary>The profile fields the row fills, as a profile (attributes included).</summary>
    public Customers.CustomerProfile Profile => new(Name, Remark, Phone, Attributes: Attributes);
}
