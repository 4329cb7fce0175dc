namespace Matrix.Web.Access;

public enum ScopeKind { Account, Persona, Channel, Customer, Task, Manager }

/// <summary>
/// Marks an endpoint as acting on the thing named by a route value, which the caller must be able to see (and,
/// with <paramref name="Manage"/>, change). Checked right after authorization, before the body is read, so a
/// foreign ID answers 404 (403 for what is seen but not theirs to change) whatever the body holds.
/// </summary>
public sealed record Scope(ScopeKind Kind, string Param = "id", bool Manage = false);

public static class Scopes
{
    public static TBuilder Scoped<TBuilder>(this TBuilder builder, ScopeKind kind, bool manage = false, string param = "id") where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Scope(kind, param, manage));

    /// <summary>Only admins and team leads (plans, tag lists, creating personas, accounts and channels).</summary>
    public static TBuilder ForManagers<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Scope(ScopeKind.Manager));

    public static WebApplication UseScopes(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetOrderedMetadata<Scope>() is { Count: > 0 } scopes)
            {
                var access = http.RequestServices.GetRequiredService<AccessService>();
                foreach (var scope in scopes) await CheckAsync(scope, http, access);
            }
            await next(http);
        });
        return app;
    }

    private static async Task CheckAsync(Scope scope, HttpContext http, AccessService access)
    {
        var user = http.User;
        var value = http.GetRouteValue(scope.Param) as string ?? "";
        switch (scope.Kind)
        {
            case ScopeKind.Account: await access.AccountAsync(user, value, scope.Manage); break;
            case ScopeKind.Persona: await access.PersonaAsync(user, value, scope.Manage); break;
            case ScopeKind.Channel: await access.ChannelAsync(user, value, scope.Manage); break;
            case ScopeKind.Customer: await access.CustomerAsync(user, value); break;
            case ScopeKind.Task: await access.TaskAsync(user, Guid.TryParse(value, out var id) ? id : throw new KeyNotFoundException($"task {value}")); break;
            case ScopeKind.Manager: AccessService.RequireManager(user); break;
        }
    }
}
