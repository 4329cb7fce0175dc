using Matrix.Grains;
using Microsoft.Net.Http.Headers;

namespace Matrix.Web.Exports;

/// <summary>A sheet sent as a download: every list export, report file, import template and failed-rows file goes out this one way.</summary>
public static class SheetResponse
{
    /// <summary>The format a request asks for: xlsx when it names none.</summary>
    public static SheetFormat FormatOf(string? format) => format switch
    {
        null or "xlsx" => SheetFormat.Xlsx,
        "csv" => SheetFormat.Csv,
        _ => throw new Matrix.Domain.DomainValidationException("format", "must be csv or xlsx"),
    };

    /// <summary>Writes the sheet as an attachment with a name of its own; returns the rows written.</summary>
    public static async Task<long> WriteAsync(HttpContext http, Sheet sheet, SheetFormat format, StoreClock clock)
    {
        var name = FileName(sheet.List, format, clock);
        http.Response.ContentType = format == SheetFormat.Csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = name, FileNameStar = name }.ToString();
        return format == SheetFormat.Csv
            ? await SheetWriter.WriteCsvAsync(sheet, http.Response.Body, http.RequestAborted)
            : await SheetWriter.WriteXlsxAsync(sheet, http.Response.Body, http.RequestAborted);
    }

    /// <summary>The list, the store's date and time, and a random tail: two files in one second do not share a name.</summary>
    internal static string FileName(string list, SheetFormat format, StoreClock clock) =>
        $"{list}-{clock.Local(clock.UtcNow):yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.{format.ToString().ToLowerInvariant()}";
}
