using System.Collections.Concurrent;
using System.Reflection;

namespace Matrix.Runtime.Activation;

/// <summary>
/// The object a caller holds for a grain reference. Each interface call becomes a turn on the activation
/// (no code generation: a DispatchProxy turns the call into a delegate once per method).
/// </summary>
public class GrainProxy : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<GrainCatalog, GrainId, MethodInfo, object?[]?, object>> Dispatchers = new();

    private GrainCatalog _catalog = null!;
    private GrainId _id;

    internal void Bind(GrainCatalog catalog, GrainId id)
    {
        _catalog = catalog;
        _id = id;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return Dispatchers.GetOrAdd(targetMethod, CreateDispatcher)(_catalog, _id, targetMethod, args);
    }

    private static Func<GrainCatalog, GrainId, MethodInfo, object?[]?, object> CreateDispatcher(MethodInfo method)
    {
        if (method.ReturnType == typeof(Task))
            return (catalog, id, m, args) => catalog.InvokeAsync(id, m.Name, grain => (Task)Call(m, grain, args));
        var resultType = method.ReturnType.GetGenericArguments()[0];
        var typed = typeof(GrainProxy).GetMethod(nameof(InvokeTyped), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(resultType);
        return typed.CreateDelegate<Func<GrainCatalog, GrainId, MethodInfo, object?[]?, object>>();
    }

    private static object InvokeTyped<T>(GrainCatalog catalog, GrainId id, MethodInfo method, object?[]? args) =>
        catalog.InvokeAsync(id, method.Name, grain => (Task<T>)Call(method, grain, args));

    private static object Call(MethodInfo method, object grain, object?[]? args) =>
        method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, args, null)!;
}

internal sealed class GrainFactory : IGrainFactory
{
    private readonly GrainCatalog _catalog;
    private readonly GrainTypeRegistry _registry;

    public GrainFactory(GrainCatalog catalog, GrainTypeRegistry registry)
    {
        _catalog = catalog;
        _registry = registry;
    }

    public TGrain Get<TGrain>(string key) where TGrain : IGrain
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var proxy = DispatchProxy.Create<TGrain, GrainProxy>();
        ((GrainProxy)(object)proxy).Bind(_catalog, new GrainId(_registry.Get(typeof(TGrain)).TypeName, key));
        return proxy;
    }
}
