namespace Matrix.Web.Access;

/// <summary>Where to send a browser back to after sign-in or a language switch: a path on this site, never elsewhere.</summary>
public static class ReturnUrl
{
    /// <summary>
    /// <paramref name="url"/> when it is a local path ("/accounts?x=1"), else <paramref name="fallback"/>. Refused: other
    /// sites ("https://…", "//host", "/\host", which browsers read as "//host"), control characters, anything odd.
    /// </summary>
    public static string LocalOr(string? url, string fallback) =>
        url is { Length: > 0 and <= 2048 }
        && url[0] == '/'
        && (url.Length == 1 || url[1] is not ('/' or '\\'))
        && !url.Any(c => char.IsControl(c) || c == '\\')
            ? url
            : fallback;
}
