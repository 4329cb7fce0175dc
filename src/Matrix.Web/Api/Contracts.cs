using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Accounts;
using Matrix.Grains.Capacity;

namespace Matrix.Web.Api;

public sealed record PersonaRequest(string Nickname, string? AvatarUrl = null, string? Signature = null, PersonaProfile? Profile = null, string? Team = null)
{
    public PersonaDetails ToDetails() => new(Nickname, AvatarUrl, Signature, Profile ?? new PersonaProfile(), Team);
}

public sealed record PersonaView(string Id, string Nickname, string? AvatarUrl, string? Signature, PersonaProfile Profile, string? Team)
{
    public static PersonaView From(string id, PersonaDetails d) => new(id, d.Nickname, d.AvatarUrl, d.Signature, d.Profile, d.Team);
}

public sealed record AccountSettingsRequest(string WeChatId, AccountKind Kind, int? Level = null, string? Operator = null, string? QrCodeUrl = null, CapacitySettings? Capacity = null, Roster? Roster = null,
    string? Team = null)
{
    public AccountSettings ToSettings() => new(WeChatId, Kind, Level ?? 1, Operator, QrCodeUrl, Capacity ?? CapacitySettings.DefaultFor(Kind), Roster ?? Roster.AlwaysOn, Team);
}

public sealed record CreateAccountRequest(string PersonaId, AccountRole Role, AccountSettingsRequest Settings, AccountStatus? Status = null);

public sealed record RoleChange(AccountRole Role);

public sealed record StatusChange(AccountStatus Status);

public sealed record PersonaChange(string PersonaId);

/// <summary>An account as the API shows it: profile, capacity against its caps, today's adds against today's budget.</summary>
public sealed record AccountView(
    string Id, string WeChatId, AccountKind Kind, string PersonaId, AccountRole Role, int Level, AccountStatus Status,
    string? Operator, string? Team, string? QrCodeUrl, int Friends, int Reserved, int SoftCap, int HardCap, int Reserve,
    int AddedToday, int? BudgetToday, CapacitySettings Capacity, Roster Roster, IReadOnlyList<AccountChange> History)
{
    public static AccountView From(string id, AccountProfile p, LedgerRow l, DateTimeOffset now) => new(
        id, p.WeChatId, p.Kind, p.PersonaId, p.Role, p.Level, p.Status, p.Operator, p.Team, p.QrCodeUrl, l.Friends, l.Reserved,
        p.Capacity.SoftCap, p.Capacity.HardCap, p.Capacity.Reserve, l.AddedToday, p.Capacity.BudgetOn(p.AgeDays(now)),
        p.Capacity, p.Roster, p.History);
}

public sealed record ChannelRequest(string Name, string State, string? PersonaId = null, AccountRole? Role = null, string[]? Tags = null, string? WelcomeScript = null, string[]? BackupAccountIds = null)
{
    public ChannelDefinition ToDefinition() => new(Name, PersonaId, Role, State, Tags ?? [], WelcomeScript, BackupAccountIds ?? []);
}

public sealed record CreateChannelRequest(string Id, ChannelRequest Channel);

public sealed record ChannelView(string Id, ChannelDefinition Definition, string LiveCodeUrl);

/// <param name="Full">No account of the pool (nor a backup) has room now: the live code says so politely.</param>
/// <param name="Scans">Scans counted so far (each node adds its counts every few seconds).</param>
public sealed record ChannelStatusView(string Id, ChannelDefinition Definition, string LiveCodeUrl, bool Full, long Scans, long FullScans, DateTimeOffset? LastFullAt);

public sealed record FriendEventResult(string Outcome);

public sealed record RehomeRequest(bool OperatorLeft = false);
