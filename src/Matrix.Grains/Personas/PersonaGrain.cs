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
    : RecordGrain<PersonaDetails>(state, "persona", directory), IPersonaGrain
{
    Task<PersonaDetails?> IPersonaGrain.Get() => Task.FromResult(Current);

    async Task IPersonaGrain.Create(PersonaDetails details)
    {
        await CreateRecord(details);
        changes.Announce(Changes.ChangeTopics.Personas);
    }

    async Task IPersonaGrain.Update(PersonaDetails details)
    {
        await UpdateRecord(details);
        changes.Announce(Changes.ChangeTopics.Personas);
    }

    protected override void Validate(PersonaDetails details) => details.Validate();
}
