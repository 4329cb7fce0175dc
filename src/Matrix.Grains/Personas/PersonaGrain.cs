using Matrix.Domain.Accounts;
using Matrix.Runtime;

namespace Matrix.Grains.Personas;

public interface IPersonaGrain : IGrain
{
    Task<PersonaDetails?> Get();
    Task Create(PersonaDetails details);
    Task Update(PersonaDetails details);
}

public sealed class PersonaGrain(IPersistentState<RecordState<PersonaDetails>> state) : RecordGrain<PersonaDetails>(state, "persona"), IPersonaGrain
{
    Task<PersonaDetails?> IPersonaGrain.Get() => Task.FromResult(Current);

    Task IPersonaGrain.Create(PersonaDetails details) => CreateRecord(details);

    Task IPersonaGrain.Update(PersonaDetails details) => UpdateRecord(details);

    protected override void Validate(PersonaDetails details) => details.Validate();
}
