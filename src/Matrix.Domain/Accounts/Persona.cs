namespace Matrix.Domain.Accounts;

/// <summary>The person customers believe they add (人设): the "three-piece set" plus a profile for writing in their voice.</summary>
public sealed record PersonaProfile(int? Age = null, string? Personality = null, string? JobIdentity = null, string? Background = null, string? Interests = null, string? Tone = null);

/// <param name="Team">The team whose lead manages the persona and its calendar (null: only admins).</param>
public sealed record PersonaDetails(string Nickname, string? AvatarUrl, string? Signature, PersonaProfile Profile, string? Team = null)
{
    public const int NicknameMax = 32;
    public const int SignatureMax = 60;

    public void Validate()
    {
        var errors = new List<FieldError>();
        Check.Text(errors, "nickname", Nickname, NicknameMax);
        Check.Text(errors, "signature", Signature, SignatureMax, required: false);
        Check.Text(errors, "avatarUrl", AvatarUrl, 500, required: false);
        if (AvatarUrl is { Length: > 0 } url && !IsWebOrDataImage(url)) errors.Add(FieldError.Of("avatarUrl", RuleKeys.ImageUrl, "must be an http(s) URL or a data:image URL"));
        if (Profile.Age is < 0 or > 120) errors.Add(FieldError.Of("profile.age", RuleKeys.Between, "must be between {0} and {1}", 0, 120));
        Check.Text(errors, "profile.personality", Profile.Personality, 200, required: false);
        Check.Text(errors, "profile.jobIdentity", Profile.JobIdentity, 100, required: false);
        Check.Text(errors, "profile.background", Profile.Background, 1000, required: false);
        Check.Text(errors, "profile.interests", Profile.Interests, 500, required: false);
        Check.Text(errors, "profile.tone", Profile.Tone, 200, required: false);
        Check.Text(errors, "team", Team, 32, required: false);
        DomainValidationException.ThrowIfAny(errors);
    }

    internal static bool IsWebOrDataImage(string url) =>
        url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase)
        || (Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp))
        || (url.StartsWith('/') && !url.StartsWith("//"));
}
