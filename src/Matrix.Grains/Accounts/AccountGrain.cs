using Matrix.Domain;
using Matrix.Domain.Accounts;
using Matrix.Grains.Capacity;
using Matrix.Storage.Hosting;

namespace Matrix.Grains.Accounts;

/// <summary>The settings an operator edits on an account (everything but role, persona and status, which keep a history).</summary>
/// <param name="Operator">The user name of the operator who holds the phone: they see the account and its customers.</param>
/// <param name="Team">The team whose lead manages the account (null: only admins).</param>
public sealed record AccountSettings(string WeChatId, AccountKind Kind, int Level, string? Operator, string? QrCodeUrl, CapacitySettings Capacity, Roster Roster,
    string? Team = null);

public interface IAccountGrain : IGrainWithStringKey
{
    Task<AccountProfile?> Get();
    Task Create(AccountSettings settings, string personaId, AccountRole role, AccountStatus status, string by);
    Task Update(AccountSettings settings, string by);
    Task ChangeRole(AccountRole role, string by);
    Task ChangePersona(string personaId, string by);
    Task ChangeStatus(AccountStatus status, string by);
}

public sealed class AccountState
{
    public AccountProfile? Profile { get; set; }
}

/// <summary>An account's profile and history. Its friend counters live in the capacity ledger, created with it.</summary>
public sealed class AccountGrain([PersistentState("account", StorageHosting.GrainStore)] IPersistentState<AccountState> state, CapacityLedger ledger, DirectoryWriter directory,
    Changes.ChangeFeed changes, StoreClock clock) : MatrixGrain, IAccountGrain
{
    // Orleans copies what a call returns, so callers never hold the grain's own objects.
    Task<AccountProfile?> IAccountGrain.Get() => Task.FromResult(state.State.Profile);

    async Task IAccountGrain.Create(AccountSettings settings, string personaId, AccountRole role, AccountStatus status, string by)
    {
        if (state.State.Profile is { } existing)
        {
            // The same create again is a retry whose first attempt may have stopped after the state write: finish it.
            if (existing.PersonaId != personaId || existing.WeChatId != settings.WeChatId) throw DomainValidationException.Of("id", RuleKeys.Exists, "{0} exists already", GrainKey);
            await ledger.CreateAsync(GrainKey, existing.Capacity.HardCap);
            await Save();
            return;
        }
        Validate(settings, personaId);
        var now = clock.UtcNow;
        var profile = new AccountProfile { PersonaId = personaId, Role = role, Status = status, StartedAt = now };
        Apply(profile, settings);
        profile.History.Add(new AccountChange(now, by, "created", null, $"{role}/{status}"));
        await ledger.CreateAsync(GrainKey, settings.Capacity.HardCap);
        state.State.Profile = profile;
        await Save();
    }

    async Task IAccountGrain.Update(AccountSettings settings, string by)
    {
        var profile = Existing();
        Validate(settings, profile.PersonaId);
        if (settings.Capacity.HardCap != profile.Capacity.HardCap && !await ledger.SetHardCapAsync(GrainKey, settings.Capacity.HardCap))
            throw DomainValidationException.Of("capacity.hardCap", RuleKeys.HardCapBelowFriends, "is below the friends and held slots the account already has");
        Apply(profile, settings);
        await Save();
    }

    Task IAccountGrain.ChangeRole(AccountRole role, string by) => Change(p => p.ChangeRole(role, by, clock.UtcNow));

    Task IAccountGrain.ChangePersona(string personaId, string by) => Change(p => p.ChangePersona(personaId, by, clock.UtcNow));

    Task IAccountGrain.ChangeStatus(AccountStatus status, string by) => Change(p => p.ChangeStatus(status, by, clock.UtcNow));

    private Task Change(Action<AccountProfile> change)
    {
        change(Existing());
        return Save();
    }

    private async Task Save()
    {
        await SaveAsync(state);
        await directory.RecordAsync("account", GrainKey, state.State.Profile!);
        changes.Announce(Changes.ChangeTopics.Accounts | Changes.ChangeTopics.AccountProfiles);
    }

    private AccountProfile Existing() => state.State.Profile ?? throw new KeyNotFoundException($"account {GrainKey}");

    private static void Validate(AccountSettings s, string personaId) =>
        DomainValidationException.ThrowIfAny([.. AccountProfile.ValidateFields(s.WeChatId, personaId, s.Level, s.Operator, s.QrCodeUrl, s.Capacity, s.Kind, s.Roster, s.Team)]);

    private static void Apply(AccountProfile p, AccountSettings s)
    {
        (p.WeChatId, p.Kind, p.Level, p.Operator, p.QrCodeUrl, p.Capacity, p.Roster, p.Team) =
            (s.WeChatId, s.Kind, s.Level, s.Operator, s.QrCodeUrl, s.Capacity, s.Roster, s.Team);
    }
}
