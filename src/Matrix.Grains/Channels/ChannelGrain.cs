using Matrix.Domain;
using Matrix.Domain.Channels;
using Matrix.Runtime;

namespace Matrix.Grains.Channels;

public interface IChannelGrain : IGrain
{
    Task<ChannelDefinition?> Get();
    Task Create(ChannelDefinition definition);
    Task Update(ChannelDefinition definition);
}

public sealed class ChannelState
{
    public ChannelDefinition? Definition { get; set; }
}

public sealed class ChannelGrain(IPersistentState<ChannelState> state) : Grain, IChannelGrain
{
    Task<ChannelDefinition?> IChannelGrain.Get() => Task.FromResult(state.State.Definition);

    Task IChannelGrain.Create(ChannelDefinition definition)
    {
        if (state.State.Definition is not null) throw new DomainValidationException("id", $"channel {GrainKey} exists already");
        return Save(definition);
    }

    Task IChannelGrain.Update(ChannelDefinition definition) =>
        state.State.Definition is null ? throw new KeyNotFoundException($"channel {GrainKey}") : Save(definition);

    private Task Save(ChannelDefinition definition)
    {
        definition.Validate(GrainKey);
        state.State.Definition = definition;
        return state.WriteStateAsync();
    }
}
