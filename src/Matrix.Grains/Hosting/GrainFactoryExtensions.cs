namespace Matrix.Grains;

public static class GrainFactoryExtensions
{
    /// <summary>A reference to the grain with string key <paramref name="key"/> (Matrix keys every grain by string).</summary>
    public static TGrain Get<TGrain>(this IGrainFactory grains, string key) where TGrain : IGrainWithStringKey => grains.GetGrain<TGrain>(key);
}
