using System.Security.Claims;
using Matrix.Grains;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;

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
            var kind = SheetResponse.FormatOf(format);
            if (q?.Length > 100) throw new Matrix.Domain.DomainValidationException("q", "must be at most 100 characters");
            var sheet = await desk.SheetAsync(user, list, q, accountId);
            var rows = await SheetResponse.WriteAsync(http, sheet, kind, clock);
            await audit.WriteAsync(AccountDesk.By(user), "export", sheet.List,
                $"{kind.ToString().ToLowerInvariant()}; {(sheet.Filter.Length == 0 ? "" : $"filter {sheet.Filter}; ")}{rows} rows");
            return Results.Empty;
        }).WithTags("Exports");
    }
}
