namespace Matrix.Domain.Spreadsheets;

/// <summary>
/// Text as it goes into a spreadsheet cell. Excel and its peers run a cell that starts with <c>=</c>, <c>+</c>,
/// <c>-</c> or <c>@</c> (or a tab or carriage return before one) as a formula when a CSV is opened, and
/// <c>=HYPERLINK(...)</c> in a customer's name would become a live link in a lead's sheet. Such text is written with a
/// leading apostrophe, which Excel shows as text and hides; an import takes the apostrophe off again.
/// </summary>
public static class SheetText
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>The text, made inert when a spreadsheet would take it for a formula.</summary>
    public static string Inert(string text) =>
        text.Length > 0 && Array.IndexOf(FormulaStarts, text[0]) >= 0 ? "'" + text : text;

    /// <summary>What <see cref="Inert"/> wrote, read back: the apostrophe it added removed, nothing else.</summary>
    public static string Restored(string cell) =>
        cell.Length > 1 && cell[0] == '\'' && Array.IndexOf(FormulaStarts, cell[1]) >= 0 ? cell[1..] : cell;
}
