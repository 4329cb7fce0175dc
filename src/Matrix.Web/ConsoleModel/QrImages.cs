using QRCoder;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// QR codes drawn on the server (QRCoder) as PNG data URLs: the printed card's code of a live code's address, and the
/// stand-in for an account that has no uploaded QR image. No request leaves the server and nothing runs in the
/// customer's browser to draw them.
/// </summary>
public static class QrImages
{
    /// <summary>Error correction M (15%): a printed card survives a smudge; the code stays small enough to scan from a table.</summary>
    public static string PngDataUrl(string text, int pixelsPerModule = 10)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(pixelsPerModule));
    }
}
