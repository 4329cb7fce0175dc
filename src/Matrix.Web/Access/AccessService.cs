using System.Security.Claims;
using Matrix.Domain.Access;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Matrix.Grains.Tasks;

namespace Matrix.Web.Access;

/// <summary>Refused for who is asking (403). What they may not even see answers 404 instead, so IDs typed into a URL reveal nothing.</summary>
public sealed class AccessDeniedException(string message) : Exception(message);

/// <summary>
/// Answers "may this viewer see or change this?" for every kind of thing an endpoint or page touches, from the
/// rules in <see cref="Viewer"/>. A thing the viewer may not see is reported missing.
/// </summary>
public sealed class AccessService(MatrixDirectory directory, CapacityLedger ledger, TaskStore tasks, IGrainFactory grains)
{
    public static Viewer ViewerOf(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "";
        if (user.FindFirst(AccessClaims.KeyId) is not null)
            return new Viewer(name, null, null, user.FindAll(AccessClaims.KeyAccount).Select(c => c.Value).ToHashSet());
        var role = Enum.TryParse<OperatorRole>(user.FindFirst(ClaimTypes.Role)?.Value, out var r) ? r : (OperatorRole?)null;
        return new Viewer(name, role ?? OperatorRole.Operator, user.FindFirst(AccessClaims.Team)?.Value);
    }

    public async Task<AccountEntry> AccountAsync(ClaimsPrincipal user, string accountId, bool manage = false)
    {
        var viewer = ViewerOf(user);
        var account = (await directory.AccountsAsync(ids: [accountId])).FirstOrDefault();
        if (account is null) throw new KeyNotFoundException($"account {accountId}");
        if (!viewer.SeesAccount(account.Id, account.Profile.Team, account.Profile.Operator))
            throw viewer.Role is null ? new AccessDeniedException($"this API key does not act for account {accountId}") : new KeyNotFoundException($"account {accountId}");
        if (manage && !viewer.ManagesTeam(account.Profile.Team)) throw new AccessDeniedException("only an admin or the account's team lead may change it");
        return account;
    }

    public async Task<IReadOnlyList<AccountEntry>> VisibleAccountsAsync(ClaimsPrincipal user, IReadOnlyList<AccountEntry>? accounts = null)
    {
        var viewer = ViewerOf(user);
        return [.. (accounts ?? await directory.AccountsAsync()).Where(a => viewer.SeesAccount(a.Id, a.Profile.Team, a.Profile.Operator))];
    }

    /// <summary>
    /// An event names its account in the body: a blank one is left to the event's own validation (400); one the
    /// caller may not act for is reported as unknown, like an account that does not exist.
    /// </summary>
    public async Task<bool> EventAccountAsync(ClaimsPrincipal user, string? accountId) =>
        string.IsNullOrWhiteSpace(accountId) || await SeesAsync(() => AccountAsync(user, accountId));

    /// <summary>A purchase or refund acts on the named account, else on the customer (an unknown customer is left to the service).</summary>
    public async Task<bool> PurchaserAsync(ClaimsPrincipal user, string? accountId, string? customerId)
    {
        if (!string.IsNullOrWhiteSpace(accountId))
            return await SeesAsync(() => AccountAsync(user, accountId)) ? true : throw Domain.DomainValidationException.Of("accountId", Domain.RuleKeys.Unknown, "no account '{0}'", accountId);
        if (string.IsNullOrWhiteSpace(customerId) || (await ledger.LinksAsync(customerId)).Count == 0) return true;
        return await SeesAsync(() => CustomerAsync(user, customerId));
    }

    /// <summary>Runs a check and tells whether it passed (for filtering lists).</summary>
    public async Task<bool> SeesAsync(Func<Task> check)
    {
        try
        {
            await check();
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    public async Task PersonaAsync(ClaimsPrincipal user, string personaId, bool manage = false)
    {
        var viewer = ViewerOf(user);
        var persona = await grains.Get<IPersonaGrain>(personaId).Get();
        if (persona is null) throw new KeyNotFoundException($"persona {personaId}");
        if (!viewer.IsAdmin)
        {
            var accounts = (await directory.AccountsAsync(personaId: personaId)).Select(a => (a.Id, a.Profile.Team, a.Profile.Operator));
            if (!viewer.SeesPersona(persona.Team, accounts)) throw new KeyNotFoundException($"persona {personaId}");
        }
        if (manage && !viewer.ManagesTeam(persona.Team)) throw new AccessDeniedException("only an admin or the persona's team lead may change it");
    }

    public async Task<IReadOnlyList<PersonaEntry>> VisiblePersonasAsync(ClaimsPrincipal user)
    {
        var viewer = ViewerOf(user);
        var personas = await directory.PersonasAsync();
        if (viewer.IsAdmin) return personas;
        var accounts = (await directory.AccountsAsync()).ToLookup(a => a.Profile.PersonaId, a => (a.Id, a.Profile.Team, a.Profile.Operator));
        return [.. personas.Where(p => viewer.SeesPersona(p.Details.Team, accounts[p.Id]))];
    }

    /// <summary>A persona named in a request body: one the caller may not use is reported as a bad field, not as a missing page.</summary>
    public async Task PersonaFieldAsync(ClaimsPrincipal user, string? personaId, string field)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(personaId)) throw new KeyNotFoundException();
            await PersonaAsync(user, personaId, manage: true);
        }
        catch (KeyNotFoundException)
        {
            throw Domain.DomainValidationException.Of(field, Domain.RuleKeys.Unknown, "no persona '{0}'", personaId ?? "");
        }
    }

    /// <summary>The channels the viewer sees, by the rule of <see cref="ChannelAsync"/>, read in two lists whatever their number.</summary>
    public async Task<IReadOnlyList<ChannelEntry>> VisibleChannelsAsync(ClaimsPrincipal user)
    {
        var channels = await directory.ChannelsAsync();
        if (ViewerOf(user).IsAdmin) return channels;
        var personas = (await VisiblePersonasAsync(user)).Select(p => p.Id).ToHashSet();
        return [.. channels.Where(c => c.Definition.PersonaId is { } p && personas.Contains(p))];
    }

    /// <summary>A channel is its persona's (a role-wide channel spans teams: admins only).</summary>
    public async Task ChannelAsync(ClaimsPrincipal user, string channelId, bool manage = false)
    {
        var channel = await grains.Get<IChannelGrain>(channelId).Get() ?? throw new KeyNotFoundException($"channel {channelId}");
        if (channel.PersonaId is { } persona) await PersonaAsync(user, persona, manage);
        else if (!ViewerOf(user).IsAdmin) throw new KeyNotFoundException($"channel {channelId}");
    }

    /// <summary>A customer is seen by whoever sees one of the accounts they are (or were) a friend of.</summary>
    public async Task CustomerAsync(ClaimsPrincipal user, string customerId)
    {
        var links = await ledger.LinksAsync(customerId);
        if (links.Count == 0) throw new KeyNotFoundException($"customer {customerId}");
        if (ViewerOf(user).IsAdmin) return;
        var visible = await VisibleAccountsAsync(user, await directory.AccountsAsync(ids: [.. links.Select(l => l.AccountId)]));
        if (visible.Count == 0)
            throw ViewerOf(user).Role is null ? new AccessDeniedException($"this API key does not act for customer {customerId}") : new KeyNotFoundException($"customer {customerId}");
    }

    public async Task TaskAsync(ClaimsPrincipal user, Guid taskId)
    {
        var task = await tasks.GetAsync(taskId) ?? throw new KeyNotFoundException($"task {taskId}");
        await AccountAsync(user, task.AccountId);
    }

    /// <summary>Plans, tag lists and other store-wide settings: admins and leads.</summary>
    public static void RequireManager(ClaimsPrincipal user)
    {
        if (!ViewerOf(user).Manages) throw new AccessDeniedException("only an admin or a team lead may do this");
    }

    /// <summary>A lead creates in their own team only (an empty team means theirs); an admin anywhere.</summary>
    public static string? TeamForNew(ClaimsPrincipal user, string? requested)
    {
        var viewer = ViewerOf(user);
        if (viewer.IsAdmin) return requested;
        if (viewer.Role != OperatorRole.Lead) throw new AccessDeniedException("only an admin or a team lead may create this");
        if (requested is not null && requested != viewer.Team) throw new AccessDeniedException($"a lead creates in their own team ({viewer.Team})");
        return viewer.Team;
    }
}

public static class AccessClaims
{
    public const string Team = "matrix:team";
    public const string KeyId = "matrix:key";
    public const string KeyEndpoint = "matrix:key-endpoint";
    public const string KeyAccount = "matrix:key-account";
    /// <summary>The sign-in session the cookie belongs to (operator_sessions.id).</summary>
    public const string Session = "matrix:session";
    /// <summary>Set while the session may only set a new password.</summary>
    public const string MustChangePassword = "matrix:must-change-password";
}
