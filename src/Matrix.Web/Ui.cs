namespace Matrix.Web;

/// <summary>Marker for the console's resources (Resources/Ui.resx in English, Ui.zh-CN.resx in Chinese).</summary>
public sealed class Ui;
