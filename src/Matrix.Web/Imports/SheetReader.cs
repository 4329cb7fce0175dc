using System.Globalization;
using System.Text;
using CsvHelper;
using Matrix.Domain;
using MiniExcelLibs;

namespace Matrix.Web.Imports;

/// <summary>A sheet as read: its format, how its text was decoded, its header row and its rows of cells.</summary>
public sealed record ReadSheet(string Format, string Encoding, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string?>> Rows);

/// <summary>
/// Reads an uploaded xlsx or CSV into cells of text. A CSV's encoding is found from its bytes: a byte-order mark
/// says UTF-8 or UTF-16; otherwise text that is valid UTF-8 is read as such, and anything else as GB18030, which is
/// what Excel in Chinese saves "CSV" as (and which no UTF-8 file can be mistaken for, its bytes being invalid UTF-8).
/// </summary>
public static class SheetReader
{
    public const int BytesMax = 32 * 1024 * 1024;
    public const int ColumnsMax = 100;
    public const int CellMax = 2_000;

    static SheetReader() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static ReadSheet Read(byte[] bytes, int rowsMax)
    {
        if (bytes.Length == 0) throw DomainValidationException.Of("file", RuleKeys.Required, "is required");
        if (bytes.Length > BytesMax) throw DomainValidationException.Of("file", RuleKeys.AtMost, "must be at most {0} MiB", BytesMax / 1024 / 1024);
        var xlsx = bytes is [0x50, 0x4B, 0x03, 0x04, ..];
        IEnumerable<IReadOnlyList<string?>> rows;
        string encoding;
        if (xlsx) (rows, encoding) = (Xlsx(bytes), "xlsx");
        else if (bytes is [0xD0, 0xCF, 0x11, 0xE0, ..]) throw DomainValidationException.Of("file", RuleKeys.SheetFormat, "save the sheet as xlsx or CSV");
        else
        {
            string text;
            (text, encoding) = Decode(bytes);
            rows = Csv(text);
        }

        var all = new List<IReadOnlyList<string?>>();
        try
        {
            foreach (var row in rows)
            {
                if (all.Count > rowsMax) throw DomainValidationException.Of("file", RuleKeys.AtMost, "must have at most {0} rows", rowsMax);
                if (row.Count > ColumnsMax) throw DomainValidationException.Of("file", RuleKeys.AtMost, "must have at most {0} columns", ColumnsMax);
                if (row.All(string.IsNullOrWhiteSpace)) continue;
                all.Add([.. row.Select(c => c is { Length: > CellMax } ? c[..CellMax] : c)]);
            }
        }
        catch (Exception ex) when (ex is not DomainValidationException)
        {
            throw DomainValidationException.Of("file", RuleKeys.SheetFormat, "save the sheet as xlsx or CSV");
        }
        if (all.Count == 0) throw DomainValidationException.Of("file", RuleKeys.Required, "is required");
        return new(xlsx ? "xlsx" : "csv", encoding, [.. all[0].Select(h => h?.Trim() ?? "")], all[1..]);
    }

    /// <summary>The file's text and the name of the encoding it was read with.</summary>
    public static (string Text, string Encoding) Decode(byte[] bytes)
    {
        if (bytes is [0xEF, 0xBB, 0xBF, ..]) return (new UTF8Encoding(false).GetString(bytes, 3, bytes.Length - 3), "utf-8-bom");
        if (bytes is [0xFF, 0xFE, ..]) return (Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2), "utf-16");
        if (bytes is [0xFE, 0xFF, ..]) return (Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2), "utf-16");
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes), "utf-8");
        }
        catch (DecoderFallbackException)
        {
            return (Encoding.GetEncoding("GB18030").GetString(bytes), "gb18030");
        }
    }

    private static IEnumerable<IReadOnlyList<string?>> Csv(string text)
    {
        using var csv = CsvReader.Create(new StringReader(text), new CsvReaderOptions { HasHeader = false }, leaveOpen: false);
        while (csv.Read())
        {
            var cells = new string?[csv.FieldCount];
            for (var i = 0; i < cells.Length; i++) cells[i] = csv.GetString(i);
            yield return cells;
        }
    }

    private static IEnumerable<IReadOnlyList<string?>> Xlsx(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        foreach (IDictionary<string, object?> row in MiniExcel.Query(stream, useHeaderRow: false))
        {
            var cells = new List<string?>();
            foreach (var (column, value) in row)
            {
                var index = ColumnIndex(column);
                if (index >= ColumnsMax * 2) break;
                while (cells.Count <= index) cells.Add(null);
                cells[index] = Text(value);
            }
            yield return cells;
        }
    }

    /// <summary>A cell as text: numbers without exponent or grouping (a phone typed as a number), dates as the store writes them.</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        DateTime d => d.TimeOfDay == TimeSpan.Zero ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        double n => n.ToString("0.##########", CultureInfo.InvariantCulture),
        decimal n => n.ToString("0.##########", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    // "A" is 0, "Z" 25, "AA" 26.
    private static int ColumnIndex(string column)
    {
        var index = 0;
        foreach (var c in column) index = index * 26 + (char.ToUpperInvariant(c) - 'A' + 1);
        return index - 1;
    }
}
