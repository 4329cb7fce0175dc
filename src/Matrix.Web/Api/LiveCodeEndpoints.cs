using Matrix.Domain.Referrals;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Groups;
using Matrix.Grains.Referrals;
using Matrix.Web.Components.LiveCode;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Api;

internal static class LiveCodeEndpoints
{
    /// <summary>
    /// The page a printed QR code opens: the persona and the QR of the account chosen for this scan (a slot is held
    /// for it), or a polite "full" page. Public, so it shows nothing but the persona's name, avatar and the QR; rate
    /// limited per client address and per channel (<see cref="Hosting.RateLimits"/>). The browser keeps its hold in a
    /// cookie (protected, so it cannot be forged): scanning again while the hold lives shows the same account and takes
    /// no second slot, so reloading a page cannot fill a pool.
    /// </summary>
    public static void MapLiveCode(this IEndpointRouteBuilder app)
    {
        app.MapGet("/c/{channel}", async (string channel, LiveCodeService liveCodes, IDataProtectionProvider protection, IOptions<MatrixOptions> options, HttpContext http) =>
        {
            var result = await ScanAsync(channel, "/c", liveCodes, protection, options.Value, http);
            return (IResult)new RazorComponentResult<LiveCodePage>(new { Result = result }) { StatusCode = result is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK };
        }).WithTags("Live codes").ExcludeFromDescription().AllowAnonymous();

        // An inviter's poster opens this: the campaign's live code, and the hold it takes remembers the inviter, so the
        // add an operator confirms from that hold credits them. Outside the window it says so and holds nothing.
        app.MapGet("/r/{campaign}/{token}", async (string campaign, string token, ReferralStore referrals, LiveCodeService liveCodes, IDataProtectionProvider protection,
            IOptions<MatrixOptions> options, StoreClock clock, HttpContext http) =>
        {
            var found = ReferralState.IsCode(campaign, ReferralState.CampaignIdLength) && ReferralState.IsCode(token, ReferralState.TokenLength)
                ? await referrals.ByTokenAsync(campaign, token) : null;
            if (found is not var (record, _))
                return (IResult)new RazorComponentResult<LiveCodePage>(new { Result = (LiveCodeResult?)null }) { StatusCode = StatusCodes.Status404NotFound };
            var invite = new ReferralInvite(record.Definition, clock.UtcNow < record.Definition.StartsAt ? "upcoming" : clock.UtcNow < record.Definition.EndsAt ? "running" : "ended");
            http.Response.Headers.CacheControl = "no-store";
            if (invite.Status != "running") return new RazorComponentResult<LiveCodePage>(new { Invite = invite });
            var result = await ScanAsync(record.ChannelId, "/r", liveCodes, protection, options.Value, http);
            if (result?.Reservation is { } hold) await referrals.RememberScanAsync(hold, ReferralState.Format(campaign, token));
            return new RazorComponentResult<LiveCodePage>(new { Result = result, Invite = invite });
        }).WithTags("Live codes").ExcludeFromDescription().AllowAnonymous();
    }

    /// <summary>
    /// A group code's page (群活码): the first group with room and a working QR image, or a polite "full" page. The
    /// browser keeps the group it was shown in a protected cookie for a day: a reload shows it again and takes no
    /// second place.
    /// </summary>
    public static void MapGroupCode(this IEndpointRouteBuilder app) =>
        app.MapGet("/g/{code}", async (string code, GroupCodeService groups, IDataProtectionProvider protection, HttpContext http) =>
        {
            var protector = protection.CreateProtector("Matrix.GroupCodeSeat", code);
            var cookie = "matrix.group." + new string(code.Where(char.IsAsciiLetterOrDigit).ToArray());
            string? kept = null;
            if (http.Request.Cookies.TryGetValue(cookie, out var value))
            {
                try { kept = protector.Unprotect(value); }
                catch (System.Security.Cryptography.CryptographicException) { } // forged, or from keys long gone: a new scan
            }
            var scan = await groups.ScanAsync(code, kept);
            http.Response.Headers.CacheControl = "no-store";
            if (scan?.Group is { } group && group.Id != kept)
                http.Response.Cookies.Append(cookie, protector.Protect(group.Id), new CookieOptions
                {
                    HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, Path = "/g", MaxAge = TimeSpan.FromDays(1), Secure = http.Request.IsHttps,
                });
            return new RazorComponentResult<GroupCodePage>(new { Scan = scan }) { StatusCode = scan is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK };
        }).WithTags("Live codes").ExcludeFromDescription().AllowAnonymous();

    private static async Task<LiveCodeResult?> ScanAsync(string channel, string path, LiveCodeService liveCodes, IDataProtectionProvider protection, MatrixOptions options,
        HttpContext http)
    {
        var protector = protection.CreateProtector("Matrix.LiveCodeHold", channel);
        var cookie = CookieName(channel);
        LiveCodeResult? result = null;
        if (http.Request.Cookies.TryGetValue(cookie, out var kept) && Unprotect(protector, kept) is var (accountId, reservation))
            result = await liveCodes.RescanAsync(channel, accountId, reservation);
        result ??= await liveCodes.ScanAsync(channel);
        if (result is { AccountId: { } account, Reservation: { } token })
            http.Response.Cookies.Append(cookie, protector.Protect($"{account}|{token}"), new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, Path = path, MaxAge = options.ReservationHold, Secure = http.Request.IsHttps,
            });
        http.Response.Headers.CacheControl = "no-store"; // every scan must choose afresh
        return result;
    }

    // Cookie names are tokens: a channel id is letters, digits, dashes and underscores (ChannelDefinition's rule).
    private static string CookieName(string channel) => "matrix.hold." + new string(channel.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray());

    private static (string AccountId, Guid Reservation)? Unprotect(IDataProtector protector, string value)
    {
        try
        {
            return protector.Unprotect(value).Split('|') is [var account, var token] && Guid.TryParse(token, out var id) ? (account, id) : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // forged, or from keys long gone: a new scan
        }
    }
}
