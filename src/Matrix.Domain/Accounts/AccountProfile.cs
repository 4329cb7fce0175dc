namespace Matrix.Domain.Accounts;

/// <summary>A change to an account's role, persona or status, kept for the history (who, when, from what to what).</summary>
public sealed record AccountChange(DateTimeOffset At, string By, string Field, string? From, string? To);

/// <summary>
/// An account of the matrix: a WeChat account (or WeCom member) run as a persona in one role. The invariants of
/// its settings live here; its live friend counters live in the capacity ledger (see ARCHITECTURE.md).
/// </summary>
public sealed class AccountProfile
{
    public const int WeChatIdMax = 64;

    public string WeChatId { get; set; } = "";
    public AccountKind Kind { get; set; }
    public string PersonaId { get; set; } = "";
    public AccountRole Role { get; set; }
    public int Level { get; set; } = 1;
    public AccountStatus Status { get; set; } = AccountStatus.WarmingUp;
    public string? Operator { get; set; }
    public string? QrCodeUrl { get; set; }
    public string? Team { get; set; }
    public CapacitySettings Capacity { get; set; } = new();
    public Roster Roster { get; set; } = Roster.AlwaysOn;
    public DateTimeOffset StartedAt { get; set; }
    public List<AccountChange> History { get; set; } = [];

    public static IReadOnlyList<FieldError> ValidateFields(string? weChatId, string? personaId, int level, string? op, string? qr, CapacitySettings capacity, AccountKind kind, Roster roster,
        string? team = null)
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "weChatId", weChatId, WeChatIdMax);
        Check.Text(errors, "personaId", personaId, 64);
        if (level is < 1 or > 10) errors.Add(FieldError.Of("level", RuleKeys.Between, "must be between {0} and {1}", 1, 10));
        Check.Text(errors, "operator", op, 64, required: false);
        Check.Text(errors, "team", team, 32, required: false);
        Check.Text(errors, "qrCodeUrl", qr, 2_000_000, required: false);
        if (qr is { Length: > 0 } && !PersonaDetails.IsWebOrDataImage(qr)) errors.Add(FieldError.Of("qrCodeUrl", RuleKeys.ImageUrl, "must be an http(s) URL or a data:image URL"));
        errors.AddRange(capacity.Validate(kind));
        errors.AddRange(roster.Validate());
        return errors;
    }

    public void ChangeRole(AccountRole role, string by, DateTimeOffset at) => Record(at, by, "role", Role.ToString(), (Role = role).ToString());

    public void ChangePersona(string personaId, string by, DateTimeOffset at) => Record(at, by, "persona", PersonaId, PersonaId = personaId);

    public void ChangeStatus(AccountStatus status, string by, DateTimeOffset at)
    {
        if (Status == AccountStatus.Retired && status != AccountStatus.Retired)
            throw new DomainValidationException([FieldError.Of("status", RuleKeys.RetiredFinal, "a retired account cannot come back; open a new account instead")]);
        Record(at, by, "status", Status.ToString(), (Status = status).ToString());
    }

    public int AgeDays(DateTimeOffset now) => (int)Math.Floor((now - StartedAt).TotalDays);

    private void Record(DateTimeOffset at, string by, string field, string? from, string? to)
    {
        if (from != to) History.Add(new AccountChange(at, by, field, from, to));
    }
}
