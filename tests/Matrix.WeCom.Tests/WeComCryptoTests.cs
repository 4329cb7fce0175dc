using Matrix.WeCom.Callbacks;

namespace Matrix.WeCom.Tests;

/// <summary>
/// The callback crypto against WeCom's official test vectors (a URL check whose padding byte is 7, a message whose
/// padding byte is 30, which a 16-byte PKCS#7 unpadder refuses), and every tampering refused with its code.
/// </summary>
public sealed class WeComCryptoTests
{
    private const string Token = "QDG6eK", CorpId = "wx5823bf96d3bd56c7", AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private const string Echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

    private const string Message = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
        + "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
        + "]]></Encrypt></xml>";

    private static readonly WeComCrypto Crypto = new(Token, AesKey, CorpId);

    [Fact]
    public void The_official_vectors_decrypt()
    {
        Assert.Equal("1616140317555161061", Crypto.VerifyUrl("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", Echo));
        var xml = Crypto.DecryptMessage("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", Message);
        Assert.Contains("<Content><![CDATA[hello]]></Content>", xml);
        Assert.Contains("mycreate", xml);
        Assert.Contains("4561255354251345929", xml);
        Assert.Contains("<AgentID>218</AgentID>", xml);
    }

    [Fact]
    public void A_tampered_signature_another_receiver_or_a_broken_ciphertext_is_refused_with_its_code()
    {
        Assert.Equal(WeComCryptoException.Signature, Assert.Throws<WeComCryptoException>(() =>
            Crypto.VerifyUrl("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4", "1409659589", "263014780", Echo)).Code);
        Assert.Equal(WeComCryptoException.Signature, Assert.Throws<WeComCryptoException>(() =>
            Crypto.DecryptMessage("477715d11cdb4164915debcba66cb864d751f3e6", "1409659814", "1372623149", Message)).Code);
        Assert.Equal(WeComCryptoException.ReceiveId, Assert.Throws<WeComCryptoException>(() => new WeComCrypto(Token, AesKey, "wx5823bf96d3bd56c8").Decrypt(Echo)).Code);
        Assert.Equal(WeComCryptoException.Decrypt, Assert.Throws<WeComCryptoException>(() => Crypto.Decrypt("not base64!")).Code);
        Assert.Equal(WeComCryptoException.Decrypt, Assert.Throws<WeComCryptoException>(() => Crypto.Decrypt(Convert.ToBase64String(new byte[17]))).Code);
        Assert.Equal(WeComCryptoException.ParseXml, Assert.Throws<WeComCryptoException>(() => Crypto.DecryptMessage("x", "1", "2", "<xml><Encrypt>")).Code);
        Assert.Equal(WeComCryptoException.ParseXml, Assert.Throws<WeComCryptoException>(() =>
            Crypto.DecryptMessage("x", "1", "2", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&e;</Encrypt></xml>")).Code);
        Assert.Equal(WeComCryptoException.IllegalAesKey, Assert.Throws<WeComCryptoException>(() => new WeComCrypto(Token, AesKey[..42], CorpId)).Code);

        // Each byte of the last block flipped in turn: refused (bad padding, length or receiver), never a crash or a wrong message.
        var cipher = Convert.FromBase64String(Echo);
        for (var i = cipher.Length - 32; i < cipher.Length; i++)
        {
            var broken = (byte[])cipher.Clone();
            broken[i] ^= 0x5a;
            Assert.InRange(Assert.Throws<WeComCryptoException>(() => Crypto.Decrypt(Convert.ToBase64String(broken))).Code, WeComCryptoException.IllegalBuffer, WeComCryptoException.ReceiveId);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("<xml>新客户</xml>")]
    [InlineData("0123456789")] // 20 + 10 + 18 = 48 bytes: padded with 16
    [InlineData("01234567890123456789012345")] // 20 + 26 + 18 = 64: a whole block of padding (32)
    public void What_is_encrypted_decrypts_padded_to_32_byte_blocks(string message)
    {
        var encrypted = Crypto.Encrypt(message);
        Assert.Equal(0, Convert.FromBase64String(encrypted).Length % 32);
        Assert.Equal(message, Crypto.Decrypt(encrypted));
        var body = Crypto.CallbackBody(message, "1000002");
        Assert.Equal(message, Crypto.DecryptMessage(Crypto.Sign("1700000000", "n1", Between(body, "<Encrypt><![CDATA[", "]]>")), "1700000000", "n1", body));
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }
}
