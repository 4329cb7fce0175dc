using Matrix.Domain.Customers;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.Customers;

public sealed class TagCatalogState
{
    public Dictionary<string, List<string>> Dimensions { get; set; } = [];

    public TagCatalog ToCatalog() => new(Dimensions.ToDictionary(d => d.Key, d => (IReadOnlyList<string>)d.Value));
}

public interface ITagCatalogGrain : IGrainWithStringKey
{
    Task<TagCatalog> Get();

    /// <summary>Defines a dimension's tags anew (the catalog refuses a tag that is in another dimension).</summary>
    Task Define(string dimension, IReadOnlyList<string> tags);
}

/// <summary>The matrix's one managed tag list (key "matrix"). Customers keep the tags they were given if one is later taken off the list.</summary>
public sealed class TagCatalogGrain([PersistentState("tags", StorageHosting.GrainStore)] IPersistentState<TagCatalogState> state) : MatrixGrain, ITagCatalogGrain
{
    public const string Key = "matrix";

    Task<TagCatalog> ITagCatalogGrain.Get() => Task.FromResult(state.State.ToCatalog());

    async Task ITagCatalogGrain.Define(string dimension, IReadOnlyList<string> tags)
    {
        var catalog = state.State.ToCatalog().WithDimension(dimension, tags);
        state.State.Dimensions = catalog.Dimensions.ToDictionary(d => d.Key, d => d.Value.ToList());
        await SaveAsync(state);
    }
}
