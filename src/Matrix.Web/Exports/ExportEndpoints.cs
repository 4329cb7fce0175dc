using System.Security.Claims;
using Matrix.Grains;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Microsoft.Net.Http.Headers;

namespace Matrix.Web.Exports;

internal static class ExportEndpoints
{
    public static void MapExportApi(this IEndpointRouteBuilder app)
    {
        // Any list the console shows, whole, as xlsx (the default) or CSV (?format=csv): scoped as its page is, the
        // customers filtered by ?q= as the list's search box, tasks and losses optionally by ?accountId=. Written as
        // it is read; the audit log records who exported what, with which filter, and how many rows.
        app.MapGet("/api/exports/{list}", async (string list, string? format, string? q, string? accountId, ExportDesk desk, AuditLog audit, StoreClock clock,
            HttpContext http, ClaimsPrincipal user) =>
        {
            if (!ExportDesk.Lists.Contains(list)) return Results.NotFound();
            var kind = format switch
            {
                null or "xlsx" => SheetFormat.Xlsx,
                "csv" => SheetFormat.Csv,
                _ => throw new Matrix.Domain.DomainValidationException("format", "must be csv or xlsx"),
            };
            if (q?.Length > 100) throw new Matrix.Domain.DomainValidationException("q", "must be at most 100 characters");
            var sheet = await desk.SheetAsync(user, list, q, accountId);
            var name = FileName(sheet.List, kind, clock);
            http.Response.ContentType = kind == SheetFormat.Csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = name, FileNameStar = name }.ToString();
            var rows = kind == SheetFormat.Csv
                ? await SheetWriter.WriteCsvAsync(sheet, http.Response.Body, http.RequestAborted)
                : await SheetWriter.WriteXlsxAsync(sheet, http.Response.Body, http.RequestAborted);
            await audit.WriteAsync(AccountDesk.By(user), "export", sheet.List,
                $"{kind.ToString().ToLowerInvariant()}; {(sheet.Filter.Length == 0 ? "" : $"filter {sheet.Filter}; ")}{rows} rows");
            return Results.Empty;
        }).WithTags("Exports");
    }

    /// <summary>The list, the store's date and time, and a random tail: two exports in one second do not share a name.</summary>
    internal static string FileName(string list, SheetFormat format, StoreClock clock) =>
        $"{list}-{clock.Local(clock.UtcNow):yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.{format.ToString().ToLowerInvariant()}";
}
