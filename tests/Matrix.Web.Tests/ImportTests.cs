using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Matrix.Domain.Access;
using MiniExcelLibs;

namespace Matrix.Web.Tests;

/// <summary>
/// Customer imports over HTTP as a lead would run them: a 10,000-row workbook with every kind of trouble checked row by
/// row, committed in the background once, its failed rows given back with their reasons, and imported a second time
/// without changing anything; a GB18030 CSV as Excel in Chinese saves it; bad requests refused naming the field.
/// </summary>
public sealed class ImportTests : ApiTest
{
    private static readonly string[] Headers = ["微信号", "企业微信ID", "手机号", "姓名", "备注", "所属账号", "标签", "订单号", "购买时间", "品类", "金额", "属性:birthday", "门店编码"];

    [Fact]
    public async Task A_ten_thousand_row_workbook_is_checked_row_by_row_committed_once_and_a_second_import_changes_nothing()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        Assert.True((await Http.PutAsJsonAsync("/api/tags/兴趣", new { tags = new[] { "近视", "学生" } })).IsSuccessStatusCode);
        var accounts = new List<(string Id, string WeChatId)> { (world["A.account"], "wx_north") };
        for (var i = 1; i <= 2; i++)
            accounts.Add((await CreateAsync("/api/accounts", new
            {
                personaId = world["A.persona"], role = "Sales", status = "Active",
                settings = new { weChatId = $"wx_north_{i}", kind = "PersonalWeChat", team = "north", capacity = new { hardCap = 5000, softCap = 3000, reserve = 0 } },
            }), $"wx_north_{i}"));
        // Customers the lead's team has already: one under a WeCom ID, one under a WeChat ID, one known by a phone written another way.
        foreach (var seeded in new[] { "wm_exist", "wx_exist", "wx_phone_exist" })
            Assert.True((await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = world["A.account"], externalId = seeded, at = DateTimeOffset.UtcNow.AddDays(-40), idempotencyKey = "seed-" + seeded })).IsSuccessStatusCode);
        Assert.True((await Http.PutAsJsonAsync("/api/customers/wx_phone_exist/profile", new { phone = "+86 139-0000-0001" })).IsSuccessStatusCode);
        Assert.True((await Http.PutAsJsonAsync("/api/customers/wx_exist/profile", new { displayName = "老客户" })).IsSuccessStatusCode);
        var friendsBefore = await FriendsAsync(accounts);

        var rows = Enumerable.Range(0, 10_000).Select(i => new string?[]
        {
            $"wx_imp_{i:D5}", null, $"1380000{i:D4}", $"客户{i}", null, accounts[i % 3].WeChatId, i % 2 == 0 ? "兴趣:近视" : "学生",
            i % 10 == 0 ? $"imp-o-{i}" : null, i % 10 == 0 ? "2025-03-01 10:00" : null, i % 10 == 0 ? "镜片" : null, i % 10 == 0 ? "599.00" : null,
            i % 7 == 0 ? "1990/1/2" : null, "S001",
        }).ToList();
        rows[100][0] = rows[99][0];                                            // the same WeChat ID as row 101
        rows[200][2] = rows[199][2];                                           // the same phone as row 201
        (rows[300][1], rows[301][1]) = ("wm_file_1", "wm_file_1");             // the same WeCom ID: row 303 repeats row 302
        (rows[400][0], rows[400][1]) = (null, "wm_exist");                     // existing, by WeCom ID
        (rows[401][0], rows[401][4]) = ("wx_exist", "爱打羽毛球");              // existing, by WeChat ID: a remark to fill
        (rows[402][0], rows[402][2]) = (null, "13900000001");                  // existing, by phone
        string[] badPhones = ["12345abc", "1380013800", "phone?", "+86 123", "000"];
        for (var k = 0; k < 5; k++) rows[500 + k][2] = badPhones[k];
        (rows[600][6], rows[601][6], rows[602][6]) = ("外星人", "兴趣:不存在", "近视，火星");
        for (var k = 0; k < 3; k++) rows[700 + k][5] = "wx_south";             // another team's account
        var file = Workbook(rows);

        var lead = await App.SignedInAsync("lead-north", OperatorRole.Lead, "north");
        var job = await CheckAsync(lead, file, "book.xlsx", "fill");
        Assert.Equal(("xlsx", "xlsx", 10_000), (job.GetProperty("format").GetString(), job.GetProperty("encoding").GetString(), job.GetProperty("rowsTotal").GetInt32()));
        Assert.Equal(["门店编码"], job.GetProperty("ignored").EnumerateArray().Select(e => e.GetString()));
        var verdicts = Counts(job.GetProperty("verdicts"));
        Assert.Equal(new Dictionary<string, int> { ["Create"] = 9_983, ["Update"] = 3, ["Duplicate"] = 3, ["Error"] = 11 }, verdicts);
        var id = job.GetProperty("id").GetString()!;

        var duplicates = await RowsAsync(lead, id, "Duplicate");
        Assert.Equal([(102, 101), (202, 201), (303, 302)], duplicates.Select(r => (r.GetProperty("row").GetInt32(), r.GetProperty("duplicateOf").GetInt32())));
        var updates = await RowsAsync(lead, id, "Update");
        Assert.Equal([(402, "wm_exist"), (403, "wx_exist"), (404, "wx_phone_exist")], updates.Select(r => (r.GetProperty("row").GetInt32(), r.GetProperty("customerId").GetString()!)));
        var errors = (await RowsAsync(lead, id, "Error")).ToDictionary(r => r.GetProperty("row").GetInt32(), r => r.GetProperty("reasons")[0]);
        Assert.Equal([502, 503, 504, 505, 506, 602, 603, 604, 702, 703, 704], errors.Keys.Order());
        Assert.All(Enumerable.Range(502, 5), n => Assert.Equal("phone", errors[n].GetProperty("field").GetString()));
        Assert.All(Enumerable.Range(602, 3), n => Assert.Equal("TagNotListed", errors[n].GetProperty("key").GetString()));
        Assert.All(Enumerable.Range(702, 3), n => Assert.Equal("AccountNotYours", errors[n].GetProperty("key").GetString()));
        // The dry run wrote nothing but the job, and the job is the lead's: another operator does not see it.
        Assert.Equal(friendsBefore, await FriendsAsync(accounts));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/customers/wx_imp_00000")).StatusCode);
        var other = await App.SignedInAsync("op-north", OperatorRole.Operator, "north");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/imports/{id}")).StatusCode);

        // Committed twice (a retried request): one commit, in the background.
        Assert.Equal(HttpStatusCode.Accepted, (await lead.PostAsync($"/api/imports/{id}/commit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await lead.PostAsync($"/api/imports/{id}/commit", null)).StatusCode);
        var done = await DoneAsync(lead, id);
        Assert.Equal(9_986, done.GetProperty("rowsDone").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["Created"] = 9_983, ["Updated"] = 3 }, Counts(done.GetProperty("outcomes")));
        var friendsAfter = await FriendsAsync(accounts);
        // Each new customer once; rows 402 and 403 also name an account their existing customer was not on yet.
        Assert.Equal(9_983 + 2 + friendsBefore.Sum(), friendsAfter.Sum());
        Assert.All(await AddedTodayAsync(accounts.Skip(1)), n => Assert.Equal(0, n)); // existing relationships, not today's adds

        var first = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx_imp_00000");
        Assert.Equal(("客户0", "13800000000"), (first.GetProperty("profile").GetProperty("displayName").GetString(), first.GetProperty("profile").GetProperty("phone").GetString()));
        Assert.Equal("1990-01-02", first.GetProperty("profile").GetProperty("attributes").GetProperty("birthday").GetString());
        Assert.Contains("近视", first.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("imp-o-0", first.GetProperty("purchases")[0].GetProperty("orderId").GetString());
        var filled = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx_exist");
        Assert.Equal(("老客户", "爱打羽毛球"), (filled.GetProperty("profile").GetProperty("displayName").GetString(), filled.GetProperty("profile").GetProperty("remark").GetString()));
        var byPhone = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx_phone_exist");
        Assert.Equal("+86 139-0000-0001", byPhone.GetProperty("profile").GetProperty("phone").GetString()); // filled only where empty

        // The failed rows, as the file had them, with the reason in the reader's language.
        var failed = ReadWorkbook(await lead.GetByteArrayAsync($"/api/imports/{id}/failed?format=xlsx"));
        Assert.Equal([.. Headers, "错误原因"], failed[0]);
        Assert.Equal(12, failed.Count);
        Assert.Equal("12345abc", failed[1][2]);
        Assert.StartsWith("手机号：", failed[1][^1]);
        Assert.Contains("外星人", failed[6][^1]);
        Assert.Contains("没有可导入的账号", failed[9][^1]);

        // The same file again: nothing to create or update, and nothing changes.
        var again = await CheckAsync(lead, file, "book.xlsx", "fill");
        Assert.Equal(new Dictionary<string, int> { ["Unchanged"] = 9_986, ["Duplicate"] = 3, ["Error"] = 11 }, Counts(again.GetProperty("verdicts")));
        var againId = again.GetProperty("id").GetString()!;
        await lead.PostAsync($"/api/imports/{againId}/commit", null);
        Assert.Equal(0, (await DoneAsync(lead, againId)).GetProperty("rowsDone").GetInt32());
        Assert.Equal(friendsAfter, await FriendsAsync(accounts));
        var audit = await Http.GetStringAsync("/api/audit?action=import.checked");
        Assert.Contains("10000 rows", audit);
    }

    [Fact]
    public async Task A_gb18030_csv_from_excel_in_chinese_is_read_as_such_and_bad_requests_name_their_field()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } });
        var csv = "微信号,姓名,手机号,备注\r\nwx_gb_1,张晓燕,+86 138 1234 5678,喜欢圆框眼镜\r\nwx_gb_2,\"欧阳, 娜娜\",13912345678,\"=HYPERLINK(\"\"x\"\")\"\r\n";
        System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var gb = Encoding.GetEncoding("GB18030").GetBytes(csv);
        var job = await CheckAsync(Http, gb, "会员.csv", "skip", account);
        Assert.Equal(("csv", "gb18030"), (job.GetProperty("format").GetString(), job.GetProperty("encoding").GetString()));
        Assert.Equal(new Dictionary<string, int> { ["Create"] = 2 }, Counts(job.GetProperty("verdicts")));
        var id = job.GetProperty("id").GetString()!;
        await Http.PostAsync($"/api/imports/{id}/commit", null);
        await DoneAsync(Http, id);
        var zhang = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx_gb_1");
        Assert.Equal(("张晓燕", "13812345678", "喜欢圆框眼镜"), (zhang.GetProperty("profile").GetProperty("displayName").GetString(),
            zhang.GetProperty("profile").GetProperty("phone").GetString(), zhang.GetProperty("profile").GetProperty("remark").GetString()));
        var ouyang = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx_gb_2");
        Assert.Equal(("欧阳, 娜娜", "=HYPERLINK(\"x\")"), (ouyang.GetProperty("profile").GetProperty("displayName").GetString(), ouyang.GetProperty("profile").GetProperty("remark").GetString()));

        // The same rows in UTF-8 with a mark are the same customers: nothing new.
        var utf8 = await CheckAsync(Http, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(csv)], "members.csv", "skip", account);
        Assert.Equal("utf-8-bom", utf8.GetProperty("encoding").GetString());
        Assert.Equal(new Dictionary<string, int> { ["Exists"] = 2 }, Counts(utf8.GetProperty("verdicts")));

        await AssertProblemAsync(await PostAsync(Http, gb, "a.csv", "replace-everything", account), "mode");
        await AssertProblemAsync(await PostAsync(Http, [0xD0, 0xCF, 0x11, 0xE0, 1, 2, 3], "old.xls", "skip", account), "file");
        await AssertProblemAsync(await PostAsync(Http, gb, "a.csv", "skip", "no-such-account"), "accountId");
        using var empty = new MultipartFormDataContent { { new StringContent("skip"), "mode" } };
        await AssertProblemAsync(await Http.PostAsync("/api/imports", empty), "file");
        var template = ReadWorkbook(await Http.GetByteArrayAsync("/api/imports/template?format=xlsx&lang=en"));
        Assert.Equal(["WeCom ID", "WeChat ID", "Phone"], template[0][..3]);
    }

    internal static byte[] Workbook(IReadOnlyList<string?[]> rows, IReadOnlyList<string>? headers = null)
    {
        using var stream = new MemoryStream();
        var all = new[] { (headers ?? Headers).ToArray<string?>() }.Concat(rows)
            .Select(r => r.Select((v, i) => (v, i)).ToDictionary(c => $"c{c.i:D2}", c => (object?)c.v));
        stream.SaveAs(all, printHeader: false);
        return stream.ToArray();
    }

    private static List<string[]> ReadWorkbook(byte[] bytes) =>
        [.. MiniExcel.Query(new MemoryStream(bytes)).Cast<IDictionary<string, object?>>().Select(r => r.Values.Select(v => v?.ToString() ?? "").ToArray())];

    internal static async Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] file, string name, string mode, string? accountId = null)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", name }, { new StringContent(mode), "mode" } };
        if (accountId is not null) form.Add(new StringContent(accountId), "accountId");
        return await http.PostAsync("/api/imports", form);
    }

    internal static async Task<JsonElement> CheckAsync(HttpClient http, byte[] file, string name, string mode, string? accountId = null)
    {
        var response = await PostAsync(http, file, name, mode, accountId);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The job once its commit is done (the commit runs in the background).</summary>
    internal static async Task<JsonElement> DoneAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/api/imports/{id}");
            if (job.GetProperty("status").GetString() == "Done") return job;
            Assert.True(DateTime.UtcNow < deadline, $"the import is still at {job.GetProperty("rowsDone")} rows");
            await Task.Delay(200);
        }
    }

    private static async Task<List<JsonElement>> RowsAsync(HttpClient http, string id, string verdict) =>
        [.. (await http.GetFromJsonAsync<JsonElement>($"/api/imports/{id}/rows?verdict={verdict}&limit=1000")).EnumerateArray()];

    internal static Dictionary<string, int> Counts(JsonElement counts) =>
        counts.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    private async Task<int[]> FriendsAsync(IEnumerable<(string Id, string WeChatId)> accounts) =>
        [.. await Task.WhenAll(accounts.Select(async a => (await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{a.Id}")).GetProperty("friends").GetInt32()))];

    private async Task<int[]> AddedTodayAsync(IEnumerable<(string Id, string WeChatId)> accounts) =>
        [.. await Task.WhenAll(accounts.Select(async a => (await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{a.Id}")).GetProperty("addedToday").GetInt32()))];
}
