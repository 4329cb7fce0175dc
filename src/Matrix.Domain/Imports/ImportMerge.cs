using Matrix.Domain.Customers;

namespace Matrix.Domain.Imports;

/// <summary>What an import does to a customer who exists already.</summary>
public enum ImportMode
{
    /// <summary>Leaves existing customers as they are.</summary>
    Skip,
    /// <summary>Fills only what the customer has no value for (a name, a phone, an attribute); adds tags, accounts and purchases.</summary>
    FillEmpty,
    /// <summary>Replaces with every value the row gives; adds tags, accounts and purchases (an import never takes one away).</summary>
    Overwrite,
}

/// <summary>What a row will do (dry run) or did (commit).</summary>
public enum ImportVerdict { Create, Update, Unchanged, Exists, Duplicate, Error }

/// <summary>An existing customer as the import compares a row with them.</summary>
/// <param name="Accounts">The accounts they are a friend of now.</param>
public sealed record KnownCustomer(string Id, CustomerProfile Profile, IReadOnlySet<string> Tags, IReadOnlySet<string> Accounts, IReadOnlySet<string> OrderIds);

/// <summary>What committing a row changes: a new profile (null: none), tags to add, a friendship to record, a purchase.</summary>
public sealed record ImportChange(CustomerProfile? Profile, IReadOnlyList<string> AddTags, bool AddFriend, bool AddPurchase)
{
    public static readonly ImportChange None = new(null, [], false, false);

    public bool Any => Profile is not null || AddTags.Count > 0 || AddFriend || AddPurchase;
}

/// <summary>
/// The one rule for what a row changes, used by the dry run (against stored customers) and by the commit (against
/// the customer as their grain holds them), so the two agree.
/// </summary>
public static class ImportMerge
{
    /// <param name="account">The account the row puts the customer on (its own, or the import's default).</param>
    public static ImportChange Change(ImportRow row, string? account, ImportMode mode, KnownCustomer? known)
    {
        if (known is null)
            return new(row is { Name: null, Remark: null, Phone: null, Attributes.Count: 0 } ? null : row.Profile, row.Tags, true, row.Purchase is not null);
        if (mode == ImportMode.Skip) return ImportChange.None;

        var old = known.Profile;
        var fill = mode == ImportMode.FillEmpty;
        string? Field(string? current, string? given) => given is null || (fill && current is not null) ? current : given;
        var attributes = new Dictionary<string, string>(old.Fields, StringComparer.Ordinal);
        foreach (var (key, value) in row.Attributes)
            if (!fill || !attributes.ContainsKey(key)) attributes[key] = value;
        var profile = old with { DisplayName = Field(old.DisplayName, row.Name), Remark = Field(old.Remark, row.Remark), Phone = Field(old.Phone, row.Phone), Attributes = attributes };
        var changed = profile.DisplayName != old.DisplayName || profile.Remark != old.Remark || profile.Phone != old.Phone || old.ChangedAttributes(profile).Any();

        return new(changed ? profile : null, [.. row.Tags.Where(t => !known.Tags.Contains(t))],
            account is not null && !known.Accounts.Contains(account), row.Purchase is { } p && !known.OrderIds.Contains(p.OrderId));
    }

    /// <summary>The verdict of a row that was read, given the earlier row it repeats (if any) and the customer it matched (if any).</summary>
    public static ImportVerdict Verdict(ImportRow row, int? duplicateOf, KnownCustomer? known, ImportChange change, ImportMode mode) =>
        !row.Valid ? ImportVerdict.Error
        : duplicateOf is not null ? ImportVerdict.Duplicate
        : known is null ? ImportVerdict.Create
        : mode == ImportMode.Skip ? ImportVerdict.Exists
        : change.Any ? ImportVerdict.Update
        : ImportVerdict.Unchanged;

    /// <summary>
    /// Rows of one customer within the file: a row repeats the first earlier row sharing its most trusted identity
    /// that any earlier row has (a WeCom ID before a WeChat ID before a phone). Rows with errors are left out, so a
    /// broken row never hides the good one after it. Returns, for each repeating row's number, the first row's.
    /// </summary>
    public static IReadOnlyDictionary<int, int> Duplicates(IEnumerable<ImportRow> rows)
    {
        var firstBy = new Dictionary<(IdentityKind, string), int>();
        var duplicates = new Dictionary<int, int>();
        foreach (var row in rows.Where(r => r.Valid))
        {
            var identities = row.Identities().ToList();
            var first = identities.Select(id => firstBy.TryGetValue(id, out var n) ? n : (int?)null).FirstOrDefault(n => n is not null);
            if (first is { } earlier) duplicates[row.Number] = earlier;
            else foreach (var id in identities) firstBy.TryAdd(id, row.Number);
        }
        return duplicates;
    }
}
