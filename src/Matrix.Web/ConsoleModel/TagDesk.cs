using System.Security.Claims;
using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Grains.Customers;
using Matrix.Grains;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// The matrix's one managed tag list, by dimension: everyone reads it (to tag customers and channels from it), admins
/// keep it. Tags are taken from it wherever a person chooses one, so a typo cannot start a tag of its own.
/// </summary>
public sealed class TagDesk(IGrainFactory grains, AuditLog audit)
{
    /// <summary>The list as pages show it: dimensions in name order, each with its tags in the order they were given.</summary>
    public async Task<IReadOnlyList<(string Dimension, IReadOnlyList<string> Tags)>> DimensionsAsync() =>
        [.. (await CatalogAsync()).Dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => (d.Key, d.Value))];

    private Task<TagCatalog> CatalogAsync() => grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Get();

    /// <summary>Defines a dimension's tags anew (tags already given to customers stay on them).</summary>
    public async Task DefineAsync(ClaimsPrincipal user, string dimension, IReadOnlyList<string> tags)
    {
        if (!AccessService.ViewerOf(user).IsAdmin) throw new AccessDeniedException("only an admin keeps the tag list");
        await grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Define(dimension, tags);
        await audit.WriteAsync(AccountDesk.By(user), "tags.defined", dimension, string.Join(",", tags));
    }

    /// <summary>Refuses tags not on the list, naming each one's place (<paramref name="field"/>[i]).</summary>
    public async Task RequireListedAsync(IReadOnlyList<string> tags, string field)
    {
        if (tags.Count == 0) return;
        DomainValidationException.ThrowIfAny([.. (await CatalogAsync()).Unknown(tags, i => $"{field}[{i}]")]);
    }
}
