using Matrix.Runtime;

namespace Matrix.Runtime.Tests.Grains;

public interface ICounterGrain : IGrain
{
    Task<long> Increment();
    Task<long> Get();
    Task<long> StoredVersion();
}

public sealed class CounterState
{
    public long Count { get; set; }
}

public sealed class CounterGrain(IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    async Task<long> ICounterGrain.Increment()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    Task<long> ICounterGrain.Get() => Task.FromResult(state.State.Count);

    Task<long> ICounterGrain.StoredVersion() => Task.FromResult(state.Version);
}
