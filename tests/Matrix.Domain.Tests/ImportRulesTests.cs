using Matrix.Domain;
using Matrix.Domain.Customers;
using Matrix.Domain.Imports;

namespace Matrix.Domain.Tests;

public sealed class ImportRulesTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 2, 0, 0, TimeSpan.Zero);
    private static readonly TagCatalog Tags = TagCatalog.Empty.WithDimension("兴趣", ["近视", "学生"]);

    [Theory]
    [InlineData("13800138000", "13800138000")]
    [InlineData("+86 138-0013-8000", "13800138000")]
    [InlineData("0086 13800138000", "13800138000")]
    [InlineData("8613800138000", "13800138000")]
    [InlineData("(0755) 8888-1234", "075588881234")]
    [InlineData("+1 415 555 0100", "+14155550100")]
    [InlineData("12345abc", null)]
    [InlineData("1380013800", null)]
    [InlineData("12800138000", null)]
    [InlineData("000", null)]
    [InlineData("  ", null)]
    public void A_phone_is_one_number_however_it_is_written(string written, string? kept) => Assert.Equal(kept, PhoneNumbers.Normalise(written));

    [Theory]
    [InlineData("手机", ImportField.Phone)]
    [InlineData("Mobile", ImportField.Phone)]
    [InlineData(" WeChat_ID ", ImportField.WeChatId)]
    [InlineData("unionid", ImportField.WeComId)]
    [InlineData("所属账号", ImportField.Account)]
    [InlineData("实付金额", ImportField.Amount)]
    public void Headers_match_in_either_language_whatever_their_case_and_spacing(string header, ImportField field) =>
        Assert.Equal(field, ImportColumns.Match(header)?.Field);

    [Fact]
    public void Attribute_and_tag_dimension_columns_carry_their_name_and_unknown_headers_match_nothing()
    {
        Assert.Equal(new ImportColumn(ImportField.Attribute, Attribute: "birthday"), ImportColumns.Match("属性：birthday"));
        Assert.Equal(new ImportColumn(ImportField.Tags, Dimension: "兴趣"), ImportColumns.Match("标签:兴趣"));
        Assert.Null(ImportColumns.Match("门店编码"));
        Assert.All(ImportColumns.TemplateHeaders(chinese: true).Concat(ImportColumns.TemplateHeaders(chinese: false)), h => Assert.NotNull(ImportColumns.Match(h)));
    }

    private static ImportRow Read(params (string Header, string? Value)[] cells) =>
        new ImportRowReader([.. cells.Select(c => ImportColumns.Match(c.Header))], Tags, Shanghai, TimeWindows.Default, Now)
            .Read(2, [.. cells.Select(c => c.Value)]);

    [Fact]
    public void A_row_is_read_in_the_stores_zone_with_every_broken_rule_named_by_its_field()
    {
        var row = Read(("微信号", "wx_a"), ("手机号", "+86 138 0013 8000"), ("姓名", "'=1+1"), ("标签", "兴趣:近视，学生"), ("添加时间", "2024/5/1 09:30"),
            ("属性:birthday", "1990/1/2"), ("订单号", "o-1"), ("购买时间", "2024-05-01"), ("金额", "¥1,299.50"));
        Assert.True(row.Valid, string.Join("; ", row.Errors));
        Assert.Equal(("wx_a", "13800138000", "=1+1"), (row.NewCustomerId, row.Phone, row.Name));
        Assert.Equal(["近视", "学生"], row.Tags);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 9, 30, 0, TimeSpan.FromHours(8)), row.AddedAt);
        Assert.Equal("1990-01-02", row.Attributes["birthday"]);
        Assert.Equal(new ImportedPurchase("o-1", new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.FromHours(8)), 1299.50m, null), row.Purchase);

        var bad = Read(("微信号", "wx b"), ("手机号", "phone?"), ("标签", "外星人"), ("添加时间", "2099-01-01"), ("金额", "12"));
        Assert.Equal(["weChatId", "phone", "tags", "addedAt", "orderId"], bad.Errors.Select(e => e.Field));
        Assert.Equal(RuleKeys.ImportIdentity, Read(("姓名", "无名")).Errors.Single().Key);
        Assert.Equal("tel:13800138000", Read(("手机号", "13800138000")).NewCustomerId);
    }

    [Fact]
    public void A_row_repeats_the_first_earlier_row_sharing_its_most_trusted_identity_and_broken_rows_hide_nothing()
    {
        ImportRow Row(int n, string? wecom = null, string? wechat = null, string? phone = null, bool broken = false) =>
            new(n, wecom, wechat, phone, null, null, null, [], new Dictionary<string, string>(), null, null, broken ? [new FieldError("phone", "bad")] : []);
        var duplicates = ImportMerge.Duplicates([
            Row(2, wechat: "wx_a", phone: "13800000001"),
            Row(3, wechat: "wx_b", phone: "13800000001"),      // the same phone as row 2
            Row(4, wecom: "wm_1", wechat: "wx_c"),
            Row(5, wecom: "wm_1", wechat: "wx_a"),             // the WeCom ID (row 4) comes before the WeChat ID (row 2)
            Row(6, wechat: "wx_d", broken: true),
            Row(7, wechat: "wx_d"),                            // a broken row 6 does not make row 7 a repeat
        ]);
        Assert.Equal(new Dictionary<int, int> { [3] = 2, [5] = 4 }, duplicates);
    }

    [Fact]
    public void An_existing_customer_is_skipped_filled_or_overwritten_as_the_mode_says_and_nothing_is_taken_away()
    {
        var row = Read(("微信号", "wx_a"), ("姓名", "新名"), ("备注", "新备注"), ("标签", "近视"), ("所属账号", "acc-2"), ("属性:birthday", "1990-01-02"));
        var known = new KnownCustomer("wx_a", new CustomerProfile("旧名", Attributes: new Dictionary<string, string> { ["birthday"] = "1980-01-01", ["size"] = "M" }),
            new HashSet<string> { "学生" }, new HashSet<string> { "acc-1" }, new HashSet<string>());

        Assert.False(ImportMerge.Change(row, "acc-2", ImportMode.Skip, known).Any);
        Assert.Equal(ImportVerdict.Exists, ImportMerge.Verdict(row, null, known, ImportChange.None, ImportMode.Skip));

        var fill = ImportMerge.Change(row, "acc-2", ImportMode.FillEmpty, known);
        Assert.Equal(("旧名", "新备注", "1980-01-01", "M"), (fill.Profile!.DisplayName, fill.Profile.Remark, fill.Profile.Fields["birthday"], fill.Profile.Fields["size"]));
        Assert.Equal(["近视"], fill.AddTags);
        Assert.True(fill.AddFriend);

        var overwrite = ImportMerge.Change(row, "acc-2", ImportMode.Overwrite, known);
        Assert.Equal(("新名", "1990-01-02", "M"), (overwrite.Profile!.DisplayName, overwrite.Profile.Fields["birthday"], overwrite.Profile.Fields["size"]));

        var same = known with { Profile = overwrite.Profile, Tags = new HashSet<string> { "学生", "近视" }, Accounts = new HashSet<string> { "acc-1", "acc-2" } };
        var none = ImportMerge.Change(row, "acc-2", ImportMode.Overwrite, same);
        Assert.Equal(ImportVerdict.Unchanged, ImportMerge.Verdict(row, null, same, none, ImportMode.Overwrite));
        Assert.Equal(ImportVerdict.Create, ImportMerge.Verdict(row, null, null, ImportMerge.Change(row, "acc-2", ImportMode.Skip, null), ImportMode.Skip));
    }
}
