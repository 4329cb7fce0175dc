using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Runtime.Activation;

/// <summary>A grain interface bound to its implementation, as registered with AddGrain.</summary>
internal sealed class GrainRegistration
{
    public GrainRegistration(Type interfaceType, Type implementationType)
    {
        foreach (var method in interfaceType.GetMethods().Concat(interfaceType.GetInterfaces().SelectMany(i => i.GetMethods())))
        {
            var rt = method.ReturnType;
            if (rt != typeof(Task) && !(rt.IsGenericType && rt.GetGenericTypeDefinition() == typeof(Task<>)))
                throw new InvalidOperationException($"{interfaceType.Name}.{method.Name} must return Task or Task<T>: grain calls are asynchronous.");
        }

        InterfaceType = interfaceType;
        ImplementationType = implementationType;
        TypeName = interfaceType.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultName(interfaceType);

        // A grain asks for its state as a constructor parameter of type IPersistentState<T>.
        var stateParameter = implementationType.GetConstructors().SelectMany(c => c.GetParameters())
            .Select(p => p.ParameterType)
            .FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IPersistentState<>));
        StateType = stateParameter?.GetGenericArguments()[0];
        Factory = ActivatorUtilities.CreateFactory(implementationType, stateParameter is null ? [] : [stateParameter]);
    }

    public Type InterfaceType { get; }
    public Type ImplementationType { get; }
    public string TypeName { get; }
    public Type? StateType { get; }
    public ObjectFactory Factory { get; }

    // "IAccountGrain" → "account": short, stable names keep the tables readable.
    private static string DefaultName(Type t)
    {
        var name = t.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1])) name = name[1..];
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > 5) name = name[..^5];
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}

internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainRegistration> _byInterface = [];
    private readonly Dictionary<string, GrainRegistration> _byName = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<GrainRegistration> registrations)
    {
        foreach (var r in registrations)
        {
            if (!_byName.TryAdd(r.TypeName, r))
                throw new InvalidOperationException($"Two grain interfaces share the type name '{r.TypeName}'; give one a [GrainType] attribute.");
            _byInterface[r.InterfaceType] = r;
        }
    }

    public GrainRegistration Get(Type interfaceType) =>
        _byInterface.TryGetValue(interfaceType, out var r) ? r
            : throw new InvalidOperationException($"No grain implements {interfaceType.Name}; register it with AddGrain<{interfaceType.Name}, TGrain>().");

    public GrainRegistration Get(string typeName) =>
        _byName.TryGetValue(typeName, out var r) ? r : throw new InvalidOperationException($"Unknown grain type '{typeName}'.");
}
