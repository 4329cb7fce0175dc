using Matrix.Domain.Channels;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.Channels;

public interface IChannelGrain : IGrainWithStringKey
{
    Task<ChannelDefinition?> Get();
    Task Create(ChannelDefinition definition);
    Task Update(ChannelDefinition definition);
}

public sealed class ChannelGrain([PersistentState("channel", StorageHosting.GrainStore)] IPersistentState<RecordState<ChannelDefinition>> state, DirectoryWriter directory, Changes.ChangeFeed changes)
    : RecordGrain<ChannelDefinition>(state, "channel", directory), IChannelGrain
{
    Task<ChannelDefinition?> IChannelGrain.Get() => Task.FromResult(Current);

    async Task IChannelGrain.Create(ChannelDefinition definition)
    {
        await CreateRecord(definition);
        changes.Announce(Changes.ChangeTopics.Channels);
    }

    async Task IChannelGrain.Update(ChannelDefinition definition)
    {
        await UpdateRecord(definition);
        changes.Announce(Changes.ChangeTopics.Channels);
    }

    protected override void Validate(ChannelDefinition definition) => definition.Validate(GrainKey);
}
