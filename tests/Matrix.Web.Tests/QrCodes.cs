using Microsoft.Playwright;
using ZXing;
using ZXing.Common;

namespace Matrix.Web.Tests;

/// <summary>Reads a QR code the way a phone does: from the pixels the browser drew, decoded by ZXing.</summary>
public static class QrCodes
{
    public static async Task<string?> DecodeAsync(ILocator image)
    {
        await image.WaitForAsync();
        await image.EvaluateAsync("img => img.decode()");
        var pixels = await image.EvaluateAsync<int[]>("""
            img => {
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                const context = canvas.getContext('2d');
                context.fillStyle = '#fff'; context.fillRect(0, 0, canvas.width, canvas.height);
                context.drawImage(img, 0, 0);
                const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
                const grey = [canvas.width, canvas.height];
                for (let i = 0; i < data.length; i += 4) grey.push(Math.round((data[i] + data[i + 1] + data[i + 2]) / 3));
                return grey;
            }
            """);
        var (width, height) = (pixels[0], pixels[1]);
        var luminance = pixels.Skip(2).Select(p => (byte)p).ToArray();
        var bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height, RGBLuminanceSource.BitmapFormat.Gray8)));
        // ZXing's finder-pattern search misses some codes drawn pixel-exact (QRCoder's among them, though phones read
        // them); an image that is nothing but the code is then read as a pure barcode, module by module.
        var reader = new ZXing.QrCode.QRCodeReader();
        return (reader.decode(bitmap, new Dictionary<DecodeHintType, object> { [DecodeHintType.TRY_HARDER] = true })
            ?? reader.decode(bitmap, new Dictionary<DecodeHintType, object> { [DecodeHintType.PURE_BARCODE] = true }))?.Text;
    }
}
