using System.Collections.Concurrent;
using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Changes;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Microsoft.Extensions.Options;

namespace Matrix.Grains.Capacity;

/// <summary>
/// This node's copies of the channels and personas a scan or a friend event shows: every scan of a live code needs
/// both, and a grain call per scan costs a message and a copy of the record each time. A copy is kept until the
/// change feed says a channel (or persona) was written, here or on another node, or
/// <see cref="MatrixOptions.ListCacheMaxAge"/> passes. The grains stay the one place to change them.
/// </summary>
public sealed class RecordViews(IGrainFactory grains, ChangeFeed changes, StoreClock clock, IOptions<MatrixOptions> options)
{
    private readonly ChangeGeneration _channels = new(changes, ChangeTopics.Channels);
    private readonly ChangeGeneration _personas = new(changes, ChangeTopics.Personas);
    private readonly ConcurrentDictionary<string, (ChannelDefinition? Value, long Generation, DateTimeOffset ReadAt)> _channelCopies = new();
    private readonly ConcurrentDictionary<string, (PersonaDetails? Value, long Generation, DateTimeOffset ReadAt)> _personaCopies = new();

    public Task<ChannelDefinition?> ChannelAsync(string id) => GetAsync(_channelCopies, _channels, id, () => grains.Get<IChannelGrain>(id).Get());

    public Task<PersonaDetails?> PersonaAsync(string id) => GetAsync(_personaCopies, _personas, id, () => grains.Get<IPersonaGrain>(id).Get());

    private async Task<T?> GetAsync<T>(ConcurrentDictionary<string, (T? Value, long Generation, DateTimeOffset ReadAt)> copies, ChangeGeneration generation, string id,
        Func<Task<T?>> read) where T : class
    {
        var seen = generation.Current; // taken before the read: a write landing during it makes the copy stale at once
        var now = clock.UtcNow;
        if (copies.TryGetValue(id, out var copy) && copy.Generation == seen && now - copy.ReadAt < options.Value.ListCacheMaxAge) return copy.Value;
        var value = await read();
        if (copies.Count > 10_000) copies.Clear(); // a bound, not a policy: ids come from URLs anyone can type
        copies[id] = (value, seen, now);
        return value;
    }
}
