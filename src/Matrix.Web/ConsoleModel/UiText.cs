using Microsoft.Extensions.Localization;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// The console's text, from Resources/Ui(.zh-CN).resx. A key missing from the resources would show the key itself
/// to the user; it is logged as a warning so the browser tests, which walk every page in both languages, fail on it.
/// </summary>
public sealed partial class UiText(IStringLocalizerFactory factory, ILogger<UiText> logger) : IStringLocalizer<Ui>
{
    private readonly IStringLocalizer _inner = factory.Create(typeof(Ui));

    public LocalizedString this[string name] => Checked(_inner[name]);

    public LocalizedString this[string name, params object[] arguments] => Checked(_inner[name, arguments]);

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => _inner.GetAllStrings(includeParentCultures);

    private LocalizedString Checked(LocalizedString text)
    {
        if (text.ResourceNotFound) LogMissing(logger, text.Name, System.Globalization.CultureInfo.CurrentUICulture.Name);
        return text;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Missing console text: resource key {Key} for culture {Culture}")]
    private static partial void LogMissing(ILogger logger, string key, string culture);
}
