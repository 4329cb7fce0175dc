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
    : RecordGrain<ChannelDefinition>(state, "channel", directory, changes, Changes.ChangeTopics.Channels), IChannelGrain
{
    Task<ChannelDefinition?> IChannelGrain.Get() => Task.FromResult(Current);

    Task IChannelGrain.Create(ChannelDefinition definition) => CreateRecord(definition);

    Task IChannelGrain.Update(ChannelDefinition definition) => UpdateRecord(definition);

    protected override void Validate(ChannelDefinition definition) => definition.Validate(GrainKey);
}
