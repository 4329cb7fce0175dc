using Matrix.Domain.Accounts;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.Personas;

public interface IPersonaGrain : IGrainWithStringKey
{
    Task<PersonaDetails?> Get();
    Task Create(PersonaDetails details);
    Task Update(PersonaDetails details);
}

public sealed class PersonaGrain([PersistentState("persona", StorageHosting.GrainStore)] IPersistentState<RecordState<PersonaDetails>> state, DirectoryWriter directory,
    Changes.ChangeFeed changes)
    : RecordGrain<PersonaDetails>(state, "persona", directory, changes, Changes.ChangeTopics.Personas), IPersonaGrain
{
    Task<PersonaDetails?> IPersonaGrain.Get() => Task.FromResult(Current);

    Task IPersonaGrain.Create(PersonaDetails details) => CreateRecord(details);

    Task IPersonaGrain.Update(PersonaDetails details) => UpdateRecord(details);

    protected override void Validate(PersonaDetails details) => details.Validate();
}
