using Matrix.Domain.Channels;
using Matrix.Runtime;

namespace Matrix.Grains.Channels;

public interface IChannelGrain : IGrain
{
    Task<ChannelDefinition?> Get();
    Task Create(ChannelDefinition definition);
    Task Update(ChannelDefinition definition);
}

public sealed class ChannelGrain(IPersistentState<RecordState<ChannelDefinition>> state) : RecordGrain<ChannelDefinition>(state, "channel"), IChannelGrain
{
    Task<ChannelDefinition?> IChannelGrain.Get() => Task.FromResult(Current);

    Task IChannelGrain.Create(ChannelDefinition definition) => CreateRecord(definition);

    Task IChannelGrain.Update(ChannelDefinition definition) => UpdateRecord(definition);

    protected override void Validate(ChannelDefinition definition) => definition.Validate(GrainKey);
}
