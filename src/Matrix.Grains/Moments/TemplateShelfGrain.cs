using Matrix.Domain;
using Matrix.Domain.Moments;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.Moments;

public sealed class TemplateShelfState
{
    public Dictionary<string, PostTemplate> Templates { get; set; } = [];
}

public interface ITemplateShelfGrain : IGrainWithStringKey
{
    Task<IReadOnlyDictionary<string, PostTemplate>> List();

    /// <summary>Adds or replaces a template; <paramref name="create"/> refuses an id in use, otherwise a missing id is refused.</summary>
    Task Save(string templateId, PostTemplate template, bool create);

    Task Delete(string templateId);
}

/// <summary>A persona's Moments templates: reusable content, some with a weekly slot that makes up the persona's rhythm.</summary>
public sealed class TemplateShelfGrain([PersistentState("templates", StorageHosting.GrainStore)] IPersistentState<TemplateShelfState> state) : MatrixGrain, ITemplateShelfGrain
{
    private const int Max = 200;

    Task<IReadOnlyDictionary<string, PostTemplate>> ITemplateShelfGrain.List() =>
        Task.FromResult<IReadOnlyDictionary<string, PostTemplate>>(state.State.Templates);

    async Task ITemplateShelfGrain.Save(string templateId, PostTemplate template, bool create)
    {
        var exists = state.State.Templates.ContainsKey(templateId);
        if (!create && !exists) throw new KeyNotFoundException($"template {templateId}");
        if (create && exists) throw DomainValidationException.Of("id", RuleKeys.Exists, "{0} exists already", templateId);
        if (create && state.State.Templates.Count >= Max) throw DomainValidationException.Of("id", RuleKeys.TooMany, "at most {0}", Max);
        DomainValidationException.ThrowIfAny([.. template.Validate()]);
        state.State.Templates[templateId] = template;
        await SaveAsync(state);
    }

    async Task ITemplateShelfGrain.Delete(string templateId)
    {
        if (!state.State.Templates.Remove(templateId)) throw new KeyNotFoundException($"template {templateId}");
        await SaveAsync(state);
    }
}
