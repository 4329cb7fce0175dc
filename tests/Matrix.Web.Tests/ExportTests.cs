using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using CsvHelper;
using Matrix.Domain.Access;
using MiniExcelLibs;

namespace Matrix.Web.Tests;

/// <summary>
/// Lists as spreadsheets, read back as Excel would: CSV in UTF-8 with its byte-order mark, a name that looks like a
/// formula kept as text in both formats, Chinese intact, every row once, an operator's export holding only their
/// customers, and each export in the audit log.
/// </summary>
public sealed class ExportTests : ApiTest
{
    private const string Formula = "=HYPERLINK(\"http://evil.example\",\"点我\")";

    private async Task<string> SeedAsync(int customers)
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林", avatarUrl = "/img/lin.png", signature = "配一副好眼镜" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } });
        for (var i = 0; i < customers; i++)
        {
            var added = await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = $"wx-c{i:D3}", at = DateTimeOffset.UtcNow.AddMinutes(-i), idempotencyKey = $"k{i}" });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }
        Assert.True((await Http.PutAsJsonAsync("/api/customers/wx-c000/profile", new { displayName = Formula, phone = "13900000000" })).IsSuccessStatusCode);
        Assert.True((await Http.PutAsJsonAsync("/api/customers/wx-c001/profile", new { displayName = "王女士", remark = "喜欢圆框" })).IsSuccessStatusCode);
        return account;
    }

    [Fact]
    public async Task A_customer_whose_id_reads_as_a_hexadecimal_number_is_exported_with_what_their_grain_keeps()
    {
        var account = await SeedAsync(2);
        // "a123456" is a WeChat ID a person can choose; Orleans keeps such a key as a number, not as text.
        Assert.True((await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = "a123456", at = DateTimeOffset.UtcNow, idempotencyKey = "hex" })).IsSuccessStatusCode);
        Assert.True((await Http.PutAsJsonAsync("/api/customers/a123456/profile", new { displayName = "陈先生", remark = "十六进制" })).IsSuccessStatusCode);
        var rows = ReadCsv((await Http.GetByteArrayAsync("/api/exports/customers?format=csv"))[3..]);
        var row = rows.Single(r => r[0] == "a123456");
        Assert.Equal(("陈先生", "十六进制"), (row[1], row[3]));
    }

    [Fact]
    public async Task A_csv_export_is_utf8_with_its_mark_every_customer_once_and_a_formula_like_name_inert()
    {
        await SeedAsync(130);
        var response = await Http.GetAsync("/api/exports/customers?format=csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("attachment", response.Content.Headers.ContentDisposition!.ToString());
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition.FileNameStar);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);

        var rows = ReadCsv(bytes[3..]);
        Assert.Equal(["客户微信号", "姓名", "手机号", "备注"], rows[0][..4]); // the reader's language: Chinese by default
        var customers = rows.Skip(1).ToList();
        Assert.Equal(130, customers.Count);
        Assert.Equal(130, customers.Select(r => r[0]).Distinct().Count());
        Assert.Equal("'" + Formula, customers.Single(r => r[0] == "wx-c000")[1]);
        var wang = customers.Single(r => r[0] == "wx-c001");
        Assert.Equal(("王女士", "喜欢圆框"), (wang[1], wang[3]));
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$", customers[0][^1]); // the store's time, with its offset

        var audit = await Http.GetStringAsync("/api/audit?action=export");
        Assert.Contains("130 rows", audit);
    }

    [Fact]
    public async Task An_xlsx_export_holds_the_formula_like_name_as_text_and_its_titles_in_the_readers_language()
    {
        await SeedAsync(3);
        var response = await Http.GetAsync("/api/exports/customers?culture=en");
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        // No cell of the workbook is a formula.
        using (var zip = new ZipArchive(new MemoryStream(bytes)))
        {
            var sheet = zip.Entries.Single(e => e.FullName.StartsWith("xl/worksheets/sheet", StringComparison.Ordinal));
            using var reader = new StreamReader(sheet.Open());
            Assert.DoesNotContain("<x:f>", (await reader.ReadToEndAsync()).Replace("<f>", "<x:f>"));
        }
        var rows = MiniExcel.Query(new MemoryStream(bytes)).Cast<IDictionary<string, object?>>().Select(r => r.Values.Select(v => v?.ToString()).ToArray()).ToList();
        Assert.Equal("Customer WeChat ID", rows[0][0]);
        Assert.Equal(Formula, rows.Single(r => r[0] == "wx-c000")[1]);
        Assert.Equal("王女士", rows.Single(r => r[0] == "wx-c001")[1]);
        Assert.Equal(4, rows.Count);
    }

    [Fact]
    public async Task An_operators_export_holds_only_their_teams_customers_and_another_teams_account_is_not_theirs_to_export()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        var op = await App.SignedInAsync("op-north", OperatorRole.Operator, "north");
        var csv = Encoding.UTF8.GetString(await op.GetByteArrayAsync("/api/exports/customers?format=csv"));
        Assert.Contains(world["A.customer"], csv);
        Assert.DoesNotContain(world["B.customer"], csv);
        var all = Encoding.UTF8.GetString(await Http.GetByteArrayAsync("/api/exports/customers?format=csv"));
        Assert.Contains(world["B.customer"], all);

        var tasks = Encoding.UTF8.GetString(await op.GetByteArrayAsync($"/api/exports/tasks?format=csv&accountId={world["A.account"]}"));
        Assert.Contains($"wx_north,{world["A.customer"]}", tasks); // its welcome task, by the account's WeChat ID
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync($"/api/exports/tasks?accountId={world["B.account"]}")).StatusCode);
        await AssertProblemAsync(await Http.GetAsync("/api/exports/customers?format=pdf"), "format");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/exports/secrets")).StatusCode);
    }

    private static List<string[]> ReadCsv(byte[] utf8)
    {
        using var csv = CsvReader.Create(utf8, new CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        return rows;
    }
}
