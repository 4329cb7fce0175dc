namespace Matrix.Web.Exports;

public enum SheetFormat { Csv, Xlsx }

/// <summary>
/// A list as a spreadsheet: its column titles in the reader's language and its rows, read as they are written.
/// A cell is text, a whole number, a decimal or null; times arrive as text already in the store's zone.
/// </summary>
/// <param name="List">What the list is ("customers", "accounts"...): the file's name and the audit line start with it.</param>
/// <param name="Filter">The filter it was read with, for the audit line ("" for none).</param>
public sealed record Sheet(string List, string Filter, IReadOnlyList<string> Headers, IAsyncEnumerable<object?[]> Rows);
