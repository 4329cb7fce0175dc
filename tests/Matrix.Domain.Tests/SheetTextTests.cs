using Matrix.Domain.Spreadsheets;

namespace Matrix.Domain.Tests;

public sealed class SheetTextTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"点我\")", "'=HYPERLINK(\"http://evil.example\",\"点我\")")]
    [InlineData("+8613900000000", "'+8613900000000")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("王女士", "王女士")]
    [InlineData("a=b", "a=b")]
    [InlineData("'quoted", "'quoted")]
    [InlineData("", "")]
    public void Text_a_spreadsheet_would_run_as_a_formula_is_written_inert_and_read_back_as_typed(string text, string cell)
    {
        Assert.Equal(cell, SheetText.Inert(text));
        Assert.Equal(text, SheetText.Restored(cell));
    }
}
