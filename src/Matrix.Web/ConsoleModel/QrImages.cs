using System.Collections.Concurrent;
using QRCoder;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// QR codes drawn on the server (QRCoder) as PNG data URLs: the printed card's code of a live code's address, and the
/// stand-in for an account that has no uploaded QR image. No request leaves the server and nothing runs in the
/// customer's browser to draw them.
/// </summary>
public static class QrImages
{
    // A live code's page draws the chosen account's code on every scan: each text is drawn once per node. The texts
    // are the matrix's WeChat IDs and live-code addresses (hundreds); the bound only guards against surprises.
    private const int Kept = 10_000;
    private static readonly ConcurrentDictionary<string, string> Drawn = new(StringComparer.Ordinal);

    /// <summary>Error correction M (15%): a printed card survives a smudge; the code stays small enough to scan from a table.</summary>
    public static string PngDataUrl(string text)
    {
        if (Drawn.TryGetValue(text, out var url)) return url;
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        url = "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(10));
        if (Drawn.Count >= Kept) Drawn.Clear();
        return Drawn.GetOrAdd(text, url);
    }
}
