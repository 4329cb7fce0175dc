using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Runtime;

namespace Matrix.Grains.Personas;

public interface IPersonaGrain : IGrain
{
    Task<PersonaDetails?> Get();
    Task Create(PersonaDetails details);
    Task Update(PersonaDetails details);
}

public sealed class PersonaState
{
    public PersonaDetails? Details { get; set; }
}

public sealed class PersonaGrain(IPersistentState<PersonaState> state) : Grain, IPersonaGrain
{
    Task<PersonaDetails?> IPersonaGrain.Get() => Task.FromResult(state.State.Details);

    Task IPersonaGrain.Create(PersonaDetails details)
    {
        if (state.State.Details is not null) throw new DomainValidationException("id", $"persona {GrainKey} exists already");
        return Save(details);
    }

    Task IPersonaGrain.Update(PersonaDetails details) =>
        state.State.Details is null ? throw new KeyNotFoundException($"persona {GrainKey}") : Save(details);

    private Task Save(PersonaDetails details)
    {
        details.Validate();
        state.State.Details = details;
        return state.WriteStateAsync();
    }
}
