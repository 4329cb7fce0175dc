namespace Matrix.Domain.Groups;

/// <summary>Who made a group, which sets how many may join it by its QR code.</summary>
public enum GroupKind
{
    /// <summary>Created by a WeChat user (a personal account): 200 may join by its QR code.</summary>
    WeChat,

    /// <summary>Created by a WeCom member: 500.</summary>
    WeCom,
}

/// <summary>
/// A group a group live code (群活码) can send people to. <paramref name="SoftFull"/> is where the code stops sending
/// people (below <paramref name="Capacity"/>: room kept for the staff, for people invited by hand).
/// </summary>
public sealed record GroupSettings(string Name, GroupKind Kind, int Capacity, int SoftFull)
{
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "name", Name, 64);
        var max = GroupRules.MaxCapacity(Kind);
        if (Capacity is < 1 || Capacity > max) errors.Add(FieldError.Of("capacity", RuleKeys.Between, "must be between {0} and {1}", 1, max));
        else if (SoftFull < 1 || SoftFull > Capacity) errors.Add(FieldError.Of("softFull", RuleKeys.Between, "must be between {0} and {1}", 1, Capacity));
        return errors;
    }
}

/// <summary>A group as a scan meets it: its members by Matrix's count, and its QR image's upload time (none: not servable).</summary>
public sealed record GroupState(string Id, int Capacity, int SoftFull, int Members, DateTimeOffset? ImageUploadedAt, bool Closed);

/// <summary>The rules of a personal-WeChat group code: which group a scan is sent to, and when someone must act.</summary>
public static class GroupRules
{
    /// <summary>WeChat's rule: a group's QR code stops working 7 days after it was made.</summary>
    public static readonly TimeSpan ImageLifetime = TimeSpan.FromDays(7);

    /// <summary>How long before an image expires the console warns (a new one must be uploaded).</summary>
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(1);

    /// <summary>The longest image a group may have: a data URL of about 1.5 MB, as an account's QR image.</summary>
    public const int ImageUrlMax = 2_000_000;

    /// <summary>A group's QR image as uploaded: an http(s) URL or a data:image URL (a file the console read).</summary>
    public static IReadOnlyList<FieldError> ValidateImage(string? url) =>
        string.IsNullOrWhiteSpace(url) ? [FieldError.Of("imageUrl", RuleKeys.Required, "is required")]
        : url.Length > ImageUrlMax ? [FieldError.Of("imageUrl", RuleKeys.TooLong, "must be at most {0} characters (got {1})", ImageUrlMax, url.Length)]
        : !Accounts.PersonaDetails.IsWebOrDataImage(url.Trim()) ? [FieldError.Of("imageUrl", RuleKeys.ImageUrl, "must be an http(s) URL or a data:image URL")]
        : [];

    public static int MaxCapacity(GroupKind kind) => kind == GroupKind.WeCom ? 500 : 200;

    public static DateTimeOffset? ImageExpiresAt(GroupState group) => group.ImageUploadedAt + ImageLifetime;

    /// <summary>Whether a scan at <paramref name="now"/> may be sent to the group: open, an image that still works, below its soft full.</summary>
    public static bool Serves(GroupState group, DateTimeOffset now) =>
        !group.Closed && ImageExpiresAt(group) > now && group.Members < Math.Min(group.SoftFull, group.Capacity);

    /// <summary>The groups a scan tries, in the code's order: only those it may be sent to.</summary>
    public static IEnumerable<GroupState> Candidates(IEnumerable<GroupState> groups, DateTimeOffset now) => groups.Where(g => Serves(g, now));

    /// <summary>An open group whose image expires within <see cref="WarnBefore"/> (or has expired): a new image is needed.</summary>
    public static bool ImageNeeded(GroupState group, DateTimeOffset now) =>
        !group.Closed && (ImageExpiresAt(group) is not { } expires || expires - now <= WarnBefore);
}
