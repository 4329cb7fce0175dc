using System.Security.Cryptography;

namespace Matrix.Domain.Referrals;

/// <summary>
/// What an inviter's poster carries: the campaign and the inviter's token, as the landing page's link and as the
/// <c>state</c> the add comes back with. One channel (or one WeCom contact way) serves every inviter, so no per-inviter
/// contact way burns the WeCom quota; the state stays within WeCom's 30 characters (<see cref="Max"/>).
/// </summary>
public static class ReferralState
{
    public const int Max = 30;
    public const int CampaignIdLength = 6;
    public const int TokenLength = 8;
    private const string Prefix = "r.";
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // no l, o, 0, 1: a token read aloud at a counter

    /// <summary>A new campaign id or inviter token: random, lower case, unambiguous when read out.</summary>
    public static string NewCampaignId() => Random(CampaignIdLength);

    public static string NewToken() => Random(TokenLength);

    public static string Format(string campaignId, string token) => $"{Prefix}{campaignId}.{token}";

    /// <summary>The campaign and token a state names, or null for anything else (a channel's own state, a forgery).</summary>
    public static (string CampaignId, string Token)? Parse(string? state) =>
        state is { Length: > 0 and <= Max } && state.StartsWith(Prefix, StringComparison.Ordinal) && state[Prefix.Length..].Split('.') is [var campaign, var token]
        && IsCode(campaign, CampaignIdLength) && IsCode(token, TokenLength) ? (campaign, token) : null;

    /// <summary>Whether <paramref name="value"/> could be an id or token of that length (links are checked before any lookup).</summary>
    public static bool IsCode(string? value, int length) => value is not null && value.Length == length && value.All(c => Alphabet.Contains(c));

    private static string Random(int length) => string.Create(length, 0, static (chars, _) =>
    {
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
    });
}
