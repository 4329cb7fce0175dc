using System.Globalization;
using System.Security.Claims;
using Matrix.Domain;
using Matrix.Domain.Reports;
using Matrix.Grains;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Matrix.Web.Exports;

namespace Matrix.Web.Reports;

internal static class ReportEndpoints
{
    public static void MapReportApi(this IEndpointRouteBuilder app)
    {
        var reports = app.MapGroup("/api/reports").WithTags("Reports");

        // Growth and churn per day, week or month (?by=), from the relationship log's daily snapshots: friends at the
        // period's end, new, lost (deleted us), removed (we deleted), net, transfers and imports apart, churn rate,
        // and the friends added in the range who left within 1, 7 and 30 days, by channel. ?format=csv|xlsx for a file.
        reports.MapGet("/growth", async (string? from, string? to, string? by, string? team, string? personaId, string? accountId, string? channel, string? format,
            ReportDesk desk, AuditLog audit, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var range = Range(from, to, by, clock);
            var report = await desk.GrowthAsync(user, range, new(team, personaId, accountId, channel));
            return format is null ? Results.Ok(report) : await FileAsync(http, desk.GrowthSheet(report, range), format, audit, clock, user);
        });

        // Which touches drive friends away: deletions within 48 hours of a touch per 1,000 touches, by plan (and
        // welcome, re-home) and by account, against the baseline of customers with no touch in the 48 hours before.
        reports.MapGet("/touches", async (string? from, string? to, string? team, string? personaId, string? accountId, string? format,
            ReportDesk desk, AuditLog audit, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var report = await desk.TouchChurnAsync(user, Range(from, to, null, clock), new(team, personaId, accountId));
            return format is null ? Results.Ok(report) : await FileAsync(http, desk.TouchSheet(report), format, audit, clock, user);
        });

        MapActivityApi(reports);
    }

    /// <summary>The channel, account, repurchase and tag reports: each a JSON body, or a file with ?format=csv|xlsx.</summary>
    private static void MapActivityApi(RouteGroupBuilder reports)
    {
        // Per channel: scans and full-pool scans (the channels the reader may see), new friends, distinct people, new
        // friends per scan, and the share of new friends still friends 7 and 30 days after their add.
        reports.MapGet("/channels", async (string? from, string? to, string? team, string? personaId, string? accountId, string? channel, string? format,
            ActivityDesk desk, AuditLog audit, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var report = await desk.ChannelsAsync(user, Range(from, to, null, clock), new(team, personaId, accountId, channel));
            return format is null ? Results.Ok(report) : await FileAsync(http, desk.ChannelSheet(report), format, audit, clock, user);
        });

        // Per account: friends at the range's end against its soft and hard caps, new, lost and removed friends,
        // follow-ups due in the range (done, skipped, missed), replies, and purchases attributed to its touches.
        reports.MapGet("/accounts", async (string? from, string? to, string? team, string? personaId, string? accountId, string? format,
            ActivityDesk desk, AuditLog audit, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var report = await desk.AccountsAsync(user, Range(from, to, null, clock), new(team, personaId, accountId));
            return format is null ? Results.Ok(report) : await FileAsync(http, desk.AccountSheet(report), format, audit, clock, user);
        });

        // Buyers with two orders or more in the range ÷ buyers in it, and cohorts by the month of a customer's first order.
        reports.MapGet("/repurchase", async (string? from, string? to, string? team, string? personaId, string? accountId, string? format,
            ActivityDesk desk, AuditLog audit, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var report = await desk.RepurchaseAsync(user, Range(from, to, null, clock), new(team, personaId, accountId));
            return format is null ? Results.Ok(report) : await FileAsync(http, desk.RepurchaseSheet(report), format, audit, clock, user);
        });

        // Customers per tag at the end of the last day counted up to ?to=, with each tag's share of the customers counted.
        reports.MapGet("/tags", async (string? from, string? to, string? team, string? personaId, string? accountId, string? format,
            ActivityDesk desk, AuditLog audit, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var report = await desk.TagsAsync(user, Range(from, to, null, clock), new(team, personaId, accountId));
            return format is null ? Results.Ok(report) : await FileAsync(http, desk.TagSheet(report), format, audit, clock, user);
        });
    }

    /// <summary>The range asked for; by default the last 30 store days to today, by day.</summary>
    internal static ReportRange Range(string? from, string? to, string? by, StoreClock clock)
    {
        var end = to is null ? clock.Today : Date("to", to);
        var start = from is null ? end.AddDays(-29) : Date("from", from);
        var grouping = by switch
        {
            null or "day" => ReportGrouping.Day,
            "week" => ReportGrouping.Week,
            "month" => ReportGrouping.Month,
            _ => throw DomainValidationException.Of("by", RuleKeys.Unknown, "no grouping '{0}' (day, week or month)", by),
        };
        return ReportRange.Of(start, end, grouping);
    }

    private static DateOnly Date(string field, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
            : throw DomainValidationException.Of(field, RuleKeys.RealDate, "is not a real date (yyyy-MM-dd)");

    private static async Task<IResult> FileAsync(HttpContext http, Sheet sheet, string format, AuditLog audit, StoreClock clock, ClaimsPrincipal user)
    {
        var rows = await SheetResponse.WriteAsync(http, sheet, SheetResponse.FormatOf(format), clock);
        await audit.WriteAsync(AccountDesk.By(user), "export", sheet.List, $"{format}; scope {sheet.Filter}; {http.Request.QueryString}; {rows} rows");
        return Results.Empty;
    }
}
