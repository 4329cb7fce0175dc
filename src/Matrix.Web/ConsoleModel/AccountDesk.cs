using System.Security.Claims;
using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Accounts;
using Matrix.Grains.Personas;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>An account as the console lists it, with its persona's nickname.</summary>
public sealed record AccountRow(AccountEntry Entry, string PersonaName)
{
    public string Id => Entry.Id;
    public AccountProfile Profile => Entry.Profile;
    public int Friends => Entry.Ledger.Friends;
}

/// <summary>
/// Personas and accounts for the console and the API alike: every change checks who asks (the same rules as the
/// endpoints' scopes) and leaves a line in the audit log.
/// </summary>
public sealed class AccountDesk(IGrainFactory grains, MatrixDirectory directory, AccessService access, AuditLog audit, RehomeService rehome, OperatorStore operators)
{
    public async Task<IReadOnlyList<AccountRow>> RowsAsync(ClaimsPrincipal user)
    {
        var personas = (await directory.PersonasAsync()).ToDictionary(p => p.Id, p => p.Details.Nickname);
        return [.. (await access.VisibleAccountsAsync(user)).OrderBy(a => a.Profile.WeChatId, StringComparer.Ordinal)
            .Select(a => new AccountRow(a, personas.GetValueOrDefault(a.Profile.PersonaId, a.Profile.PersonaId)))];
    }

    public Task<IReadOnlyList<PersonaEntry>> PersonasAsync(ClaimsPrincipal user) => access.VisiblePersonasAsync(user);

    /// <summary>The teams the viewer may put accounts and personas in: every team Matrix knows for an admin, their own for a lead.</summary>
    public async Task<IReadOnlyList<string>> TeamsAsync(ClaimsPrincipal user)
    {
        var viewer = AccessService.ViewerOf(user);
        if (!viewer.IsAdmin) return viewer.Role == Domain.Access.OperatorRole.Lead && viewer.Team is { } own ? [own] : [];
        var teams = (await operators.ListAsync()).Select(o => o.Team)
            .Concat((await directory.AccountsAsync()).Select(a => a.Profile.Team))
            .Concat((await directory.PersonasAsync()).Select(p => p.Details.Team));
        return [.. teams.OfType<string>().Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Who the viewer may give an account to: enabled operators and leads (of their own team, for a lead).</summary>
    public async Task<IReadOnlyList<OperatorView>> HoldersAsync(ClaimsPrincipal user)
    {
        var viewer = AccessService.ViewerOf(user);
        if (!viewer.Manages) return [];
        return [.. (await operators.ListAsync()).Where(o => !o.Disabled && o.Role != Domain.Access.OperatorRole.Admin && (viewer.IsAdmin || o.Team == viewer.Team))];
    }

    public async Task<PersonaEntry> CreatePersonaAsync(ClaimsPrincipal user, PersonaDetails details)
    {
        var entry = new PersonaEntry(NewId("p"), details with { Team = AccessService.TeamForNew(user, details.Team) });
        await grains.Get<IPersonaGrain>(entry.Id).Create(entry.Details);
        await audit.WriteAsync(By(user), "persona.created", entry.Id, $"{entry.Details.Nickname} team={entry.Details.Team}");
        return entry;
    }

    /// <summary>Leaving the team out keeps it; naming one moves the persona (a lead only into their own team).</summary>
    public async Task<PersonaDetails> UpdatePersonaAsync(ClaimsPrincipal user, string id, PersonaDetails details)
    {
        await access.PersonaAsync(user, id, manage: true);
        var team = details.Team is null ? (await grains.Get<IPersonaGrain>(id).Get())?.Team : AccessService.TeamForNew(user, details.Team);
        var saved = details with { Team = team };
        await grains.Get<IPersonaGrain>(id).Update(saved);
        await audit.WriteAsync(By(user), "persona.updated", id, $"{saved.Nickname} team={saved.Team}");
        return saved;
    }

    public async Task<string> CreateAccountAsync(ClaimsPrincipal user, string personaId, AccountRole role, AccountStatus status, AccountSettings settings)
    {
        var team = AccessService.TeamForNew(user, settings.Team);
        await access.PersonaFieldAsync(user, personaId, "personaId");
        await EnsureWeChatIdFreeAsync(settings.WeChatId, exceptAccountId: null);
        var id = NewId("a");
        await grains.Get<IAccountGrain>(id).Create(settings with { Team = team }, personaId, role, status, By(user));
        await audit.WriteAsync(By(user), "account.created", id, Summary(settings with { Team = team }));
        return id;
    }

    /// <summary>Leaving the team out keeps it; naming one moves the account (a lead only into their own team).</summary>
    public async Task UpdateAccountAsync(ClaimsPrincipal user, string accountId, AccountSettings settings)
    {
        var current = await access.AccountAsync(user, accountId, manage: true);
        var team = settings.Team is null ? current.Profile.Team : AccessService.TeamForNew(user, settings.Team);
        await EnsureWeChatIdFreeAsync(settings.WeChatId, exceptAccountId: accountId);
        await grains.Get<IAccountGrain>(accountId).Update(settings with { Team = team }, By(user));
        await audit.WriteAsync(By(user), "account.updated", accountId, Summary(settings with { Team = team }));
    }

    // What the audit line says of an account's settings: who holds it, where it belongs, what it may hold and work.
    private static string Summary(AccountSettings s) =>
        $"weChatId={s.WeChatId} operator={s.Operator} team={s.Team} hardCap={s.Capacity.HardCap} softCap={s.Capacity.SoftCap} reserve={s.Capacity.Reserve} " +
        $"dailyBudget={s.Capacity.DailyBudget} dailyTasks={s.Capacity.DailyTasks} shifts={s.Roster.Weekly.Count}";

    // One phone account registered twice would split its friends over two ledgers and pass its cap. Checked here,
    // where accounts are created and edited (two people typing the same ID in the same second is not guarded).
    // The other account is not named: it may belong to a team the caller cannot see.
    private async Task EnsureWeChatIdFreeAsync(string? weChatId, string? exceptAccountId)
    {
        if (string.IsNullOrWhiteSpace(weChatId)) return; // the grain's own validation names the missing field
        var wanted = weChatId.Trim();
        if ((await directory.AccountsAsync()).Any(a => a.Id != exceptAccountId && string.Equals(a.Profile.WeChatId.Trim(), wanted, StringComparison.OrdinalIgnoreCase)))
            throw new Domain.DomainValidationException([Domain.FieldError.Of("weChatId", Domain.RuleKeys.WeChatIdTaken, "is already the WeChat ID of another account")]);
    }

    /// <summary>The design's main verb: one role for one account or many (each checked and recorded on its own).</summary>
    public async Task ChangeRoleAsync(ClaimsPrincipal user, IReadOnlyCollection<string> accountIds, AccountRole role)
    {
        foreach (var id in accountIds) await access.AccountAsync(user, id, manage: true); // all or nothing: check every one first
        foreach (var id in accountIds)
        {
            await grains.Get<IAccountGrain>(id).ChangeRole(role, By(user));
            await audit.WriteAsync(By(user), "account.role", id, role.ToString());
        }
    }

    public async Task ChangeStatusAsync(ClaimsPrincipal user, string accountId, AccountStatus status)
    {
        await access.AccountAsync(user, accountId, manage: true);
        await grains.Get<IAccountGrain>(accountId).ChangeStatus(status, By(user));
        await audit.WriteAsync(By(user), "account.status", accountId, status.ToString());
    }

    public async Task<RehomeResult> RehomeAsync(ClaimsPrincipal user, string accountId, bool operatorLeft)
    {
        await access.AccountAsync(user, accountId, manage: true);
        var plan = await rehome.PlanAsync(accountId, operatorLeft);
        await audit.WriteAsync(By(user), "customers.moved", accountId, System.Text.Json.JsonSerializer.Serialize(plan));
        return plan;
    }

    /// <summary>Short random ids ("a-3f9c2d1e"): readable in URLs and logs, no coordination between nodes.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Who made a change, for histories and the audit log: the operator's user name, or "key:{name}" for an API key.</summary>
    public static string By(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";
}
