using System.Text.RegularExpressions;
using Matrix.Domain;
using Matrix.Web.Access;
using Microsoft.Extensions.Localization;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// Says why the console refused a change, in the reader's language: each broken rule as "label: reason", the label
/// as the form names the field ("Field.{path}", list indexes dropped), the reason from "Error.{key}". The API keeps
/// its English texts and field paths; the console never shows them.
/// </summary>
public sealed partial class Refusals(IStringLocalizer<Ui> text)
{
    /// <summary>The reason of a refused action, or null when the exception is not a refusal (a fault to report as such).</summary>
    public string? Describe(Exception ex) => ex switch
    {
        DomainValidationException invalid => string.Join("；", invalid.Errors.Select(Describe)),
        AccessDeniedException => text["Refused.Denied"],
        KeyNotFoundException => text["Refused.NotFound"],
        Orleans.Storage.InconsistentStateException => text["Refused.Conflict"],
        _ => null,
    };

    public string Describe(FieldError error)
    {
        // A rule without a translation still says something true in the reader's language; UiText logs the gap.
        var reason = text[$"Error.{error.Key ?? RuleKeys.Invalid}", [.. error.Args]].Value;
        return $"{Label(error.Field)}：{reason}";
    }

    /// <summary>"capacity.reserve" → 预留名额; "tags[3]" → 标签; "attributes.birthday" → 属性 birthday (the store's own name).</summary>
    public string Label(string field)
    {
        var path = Index().Replace(field, "");
        if (path.StartsWith("attributes.", StringComparison.Ordinal)) return $"{text["Field.attributes"]} {path["attributes.".Length..]}";
        if (path.StartsWith("posts.", StringComparison.Ordinal)) path = path["posts.".Length..];
        return text[$"Field.{path}"];
    }

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();
}
