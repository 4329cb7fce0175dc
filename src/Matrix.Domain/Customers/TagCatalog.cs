namespace Matrix.Domain.Customers;

/// <summary>
/// The managed tag list: tags grouped by dimension (source, interest, life stage...). People tag customers only
/// from it, so one idea has one spelling and plans can filter on it.
/// </summary>
public sealed record TagCatalog(IReadOnlyDictionary<string, IReadOnlyList<string>> Dimensions)
{
    public static readonly TagCatalog Empty = new(new Dictionary<string, IReadOnlyList<string>>());

    public bool Contains(string tag) => Dimensions.Values.Any(tags => tags.Contains(tag));

    /// <summary>A dimension defined anew; a tag may belong to one dimension only.</summary>
    public TagCatalog WithDimension(string dimension, IReadOnlyList<string> tags)
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "dimension", dimension, 32);
        if (tags.Count is 0 or > 200) errors.Add(FieldError.Of("tags", RuleKeys.Between, "must be between {0} and {1}", 1, 200));
        for (var i = 0; i < tags.Count; i++) Check.Text(errors, $"tags[{i}]", tags[i], 32);
        if (tags.Distinct(StringComparer.Ordinal).Count() != tags.Count) errors.Add(FieldError.Of("tags", RuleKeys.Twice, "lists a value twice"));
        foreach (var tag in tags)
            if (Dimensions.FirstOrDefault(d => d.Key != dimension && d.Value.Contains(tag)) is { Key: { } other })
                errors.Add(FieldError.Of("tags", RuleKeys.TagInOtherDimension, "'{0}' is already in dimension '{1}'", tag, other));
        DomainValidationException.ThrowIfAny(errors);
        return new(new Dictionary<string, IReadOnlyList<string>>(Dimensions) { [dimension] = tags });
    }

    /// <summary>
    /// The tags not on the list, which a customer or a channel may not be given; the i-th is named
    /// <paramref name="field"/>(i), or "tags" when no naming is given.
    /// </summary>
    public IEnumerable<FieldError> Unknown(IReadOnlyList<string> tags, Func<int, string>? field = null) =>
        tags.Select((tag, i) => (tag, i)).Where(t => !Contains(t.tag))
            .Select(t => FieldError.Of(field?.Invoke(t.i) ?? "tags", RuleKeys.TagNotListed, "'{0}' is not on the tag list (admins add tags there first)", t.tag));
}
