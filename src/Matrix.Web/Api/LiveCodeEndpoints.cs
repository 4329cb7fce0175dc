using Matrix.Grains.Capacity;
using Matrix.Web.Components.LiveCode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Matrix.Web.Api;

internal static class LiveCodeEndpoints
{
    /// <summary>
    /// The page a printed QR code opens: the persona and the QR of the account chosen for this scan (a slot is held
    /// for it), or a polite "full" page. Public, so it shows nothing but the persona's name, avatar and the QR.
    /// </summary>
    public static void MapLiveCode(this IEndpointRouteBuilder app) =>
        app.MapGet("/c/{channel}", async (string channel, LiveCodeService liveCodes, HttpContext http) =>
        {
            var result = await liveCodes.ScanAsync(channel);
            if (result is null) return Results.NotFound();
            http.Response.Headers.CacheControl = "no-store"; // every scan must choose afresh
            return (IResult)new RazorComponentResult<LiveCodePage>(new { Result = result });
        }).WithTags("Live codes").ExcludeFromDescription().AllowAnonymous();
}
