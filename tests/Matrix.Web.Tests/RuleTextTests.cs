using System.Globalization;
using System.Reflection;
using System.Resources;
using Matrix.Domain;

namespace Matrix.Web.Tests;

/// <summary>Every rule the domain names for translation has its text in each of the console's languages.</summary>
public sealed class RuleTextTests
{
    private static readonly ResourceManager Resources = new("Matrix.Web.Resources.Ui", typeof(Ui).Assembly);

    public static TheoryData<string> Keys => [.. typeof(RuleKeys).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!)];

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_rule_key_has_text_in_Chinese_and_English_with_the_same_placeholders(string key)
    {
        var english = Resources.GetString($"Error.{key}", CultureInfo.InvariantCulture);
        var chinese = Resources.GetString($"Error.{key}", new CultureInfo("zh-CN"));
        Assert.False(string.IsNullOrWhiteSpace(english), $"no English text for Error.{key}");
        Assert.NotEqual(english, chinese);
        Assert.Equal(Placeholders(english!), Placeholders(chinese!));
    }

    [Fact]
    public void Every_field_label_is_in_both_languages()
    {
        var chinese = Resources.GetResourceSet(new CultureInfo("zh-CN"), true, false)!.Cast<System.Collections.DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith("Field.", StringComparison.Ordinal)).ToDictionary(e => (string)e.Key, e => (string)e.Value!);
        Assert.True(chinese.Count > 50, "the forms' fields are labelled");
        foreach (var (key, text) in chinese)
        {
            var english = Resources.GetString(key, CultureInfo.InvariantCulture);
            Assert.False(string.IsNullOrWhiteSpace(english), $"no English text for {key}");
            Assert.DoesNotMatch("[A-Za-z]{2,}", text.Replace("ID", ""));
        }
    }

    [Fact]
    public void A_keyed_error_keeps_its_English_message_for_the_API()
    {
        var error = FieldError.Of("state", RuleKeys.StateTooLong, "must be at most {0} characters (got {1}); WeCom refuses longer ones", 30, 31);
        Assert.Equal("must be at most 30 characters (got 31); WeCom refuses longer ones", error.Message);
        Assert.Equal(["30", "31"], error.Args);
        Assert.Equal(new FieldError("state", error.Message), error);
    }

    private static string[] Placeholders(string text) =>
        [.. System.Text.RegularExpressions.Regex.Matches(text, @"\{\d+\}").Select(m => m.Value).Distinct().Order()];
}
