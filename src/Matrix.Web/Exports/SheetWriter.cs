using System.Globalization;
using CsvHelper;
using Matrix.Domain.Spreadsheets;
using MiniExcelLibs;

namespace Matrix.Web.Exports;

/// <summary>Writes a <see cref="Sheet"/> as CSV or xlsx, each row once, as it is read.</summary>
public static class SheetWriter
{
    /// <summary>
    /// UTF-8 with a byte-order mark (without one, Excel in Chinese reads the file as GB18030 and garbles it); a text
    /// cell a spreadsheet would run as a formula is made inert (<see cref="SheetText"/>). Returns the rows written.
    /// </summary>
    public static async Task<long> WriteCsvAsync(Sheet sheet, Stream output, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { WriteByteOrderMark = true }, leaveOpen: true);
        await csv.WriteRecordAsync([.. sheet.Headers.Select(SheetText.Inert)], cancellationToken);
        long rows = 0;
        await foreach (var row in sheet.Rows.WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync([.. row.Select(cell => cell switch
            {
                null => "",
                string s => SheetText.Inert(s),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => SheetText.Inert(other.ToString() ?? ""),
            })], cancellationToken);
            rows++;
        }
        await csv.FlushAsync(cancellationToken);
        return rows;
    }

    /// <summary>
    /// An xlsx workbook of one sheet. Text goes in as text cells (never formulas, whatever it starts with), numbers as
    /// numbers. The workbook is built in a temporary file (a zip is written with seeks) and then sent.
    /// </summary>
    public static async Task<long> WriteXlsxAsync(Sheet sheet, Stream output, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"matrix-export-{Guid.NewGuid():N}.xlsx");
        try
        {
            long rows = 0;
            // MiniExcel pulls rows from a plain enumerable: it runs on a thread of its own, reading the rows as it goes.
            await Task.Run(() =>
            {
                // The titles go in as the first row of cells, so an empty list still has its columns named.
                var titles = new[] { sheet.Headers.ToArray<object?>() };
                var records = titles.Concat(sheet.Rows.ToBlockingEnumerable(cancellationToken).Select(row =>
                {
                    rows++;
                    return row;
                })).Select(Record);
                MiniExcel.SaveAs(path, records, printHeader: false);
            }, cancellationToken);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
            await file.CopyToAsync(output, cancellationToken);
            return rows;
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Keys name the columns A, B, C... in the order given; MiniExcel writes a dictionary's values in key order.
    private static Dictionary<string, object?> Record(object?[] cells)
    {
        var record = new Dictionary<string, object?>(cells.Length);
        for (var i = 0; i < cells.Length; i++) record["c" + i.ToString("D3", CultureInfo.InvariantCulture)] = cells[i];
        return record;
    }
}
