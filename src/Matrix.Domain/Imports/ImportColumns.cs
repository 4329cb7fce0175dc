namespace Matrix.Domain.Imports;

/// <summary>What a column of an imported sheet holds.</summary>
public enum ImportField { WeComId, WeChatId, Phone, Name, Remark, Account, Tags, AddedAt, OrderId, PurchasedAt, Category, Amount, Attribute }

/// <summary>A column as its header was read: a known field, a named attribute ("属性:birthday"), or a dimension's tags ("标签:兴趣").</summary>
public sealed record ImportColumn(ImportField Field, string? Attribute = null, string? Dimension = null);

/// <summary>
/// Columns are matched by their header, in Chinese or English, as stores name them: a till's export says 手机 or
/// 电话, a WeChat friend list 微信号, a previous SCRM "mobile". Case, spaces, underscores and dashes do not matter.
/// The first Chinese and the first English name of each field are the template's headers.
/// </summary>
public static class ImportColumns
{
    private static readonly (ImportField Field, string[] Chinese, string[] English)[] Names =
    [
        (ImportField.WeComId, ["企业微信ID", "外部联系人ID", "unionid"], ["WeCom ID", "external_userid", "external ID"]),
        (ImportField.WeChatId, ["微信号", "微信ID"], ["WeChat ID", "wxid"]),
        (ImportField.Phone, ["手机号", "手机", "电话", "手机号码", "联系电话"], ["Phone", "Mobile", "Telephone"]),
        (ImportField.Name, ["姓名", "客户名称", "名称", "昵称", "客户姓名"], ["Name", "Display name", "Customer name"]),
        (ImportField.Remark, ["备注"], ["Remark", "Note", "Notes"]),
        (ImportField.Account, ["所属账号", "归属账号", "账号"], ["Account", "Owning account"]),
        (ImportField.Tags, ["标签"], ["Tags", "Tag"]),
        (ImportField.AddedAt, ["添加时间", "添加日期", "加好友时间"], ["Added at", "Added"]),
        (ImportField.OrderId, ["订单号", "订单编号"], ["Order ID", "Order"]),
        (ImportField.PurchasedAt, ["购买时间", "下单时间", "购买日期"], ["Purchased at", "Order time"]),
        (ImportField.Category, ["品类", "商品品类", "类别"], ["Category"]),
        (ImportField.Amount, ["金额", "订单金额", "实付金额"], ["Amount"]),
    ];

    private static readonly string[] AttributePrefixes = ["属性", "attribute", "attr"];
    private static readonly string[] TagPrefixes = ["标签", "tags", "tag"];

    /// <summary>The column a header names, or null when Matrix has no place for it (the column is then left out, and said so).</summary>
    public static ImportColumn? Match(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        var text = header.Trim().Replace('：', ':');
        if (text.IndexOf(':') is var colon and > 0)
        {
            var (prefix, rest) = (Folded(text[..colon]), text[(colon + 1)..].Trim());
            if (rest.Length == 0) return null;
            if (AttributePrefixes.Contains(prefix)) return new(ImportField.Attribute, Attribute: rest);
            if (TagPrefixes.Contains(prefix)) return new(ImportField.Tags, Dimension: rest);
            return null;
        }
        var folded = Folded(text);
        foreach (var (field, chinese, english) in Names)
            if (chinese.Concat(english).Any(name => Folded(name) == folded)) return new(field);
        return null;
    }

    /// <summary>The template's headers: every field, then an attribute column as an example, in one language.</summary>
    public static IReadOnlyList<string> TemplateHeaders(bool chinese) =>
        [.. Names.Select(n => chinese ? n.Chinese[0] : n.English[0]), chinese ? "属性:birthday" : "attribute:birthday"];

    private static string Folded(string name) =>
        new([.. name.Where(c => !char.IsWhiteSpace(c) && c is not '_' and not '-').Select(char.ToLowerInvariant)]);
}
