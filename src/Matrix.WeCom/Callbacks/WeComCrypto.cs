using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace Matrix.WeCom.Callbacks;

/// <summary>Why a callback was refused, with the official library's error code (-40001 a bad signature, ...).</summary>
public sealed class WeComCryptoException(int code, string message) : Exception(message)
{
    public const int Signature = -40001, ParseXml = -40002, IllegalAesKey = -40004, ReceiveId = -40005, Decrypt = -40007, IllegalBuffer = -40008;

    public int Code { get; } = code;
}

/// <summary>
/// WeCom's callback encryption (the WXBizMsgCrypt scheme): AES-256-CBC with the key's first 16 bytes as IV, PKCS#7
/// padding to a multiple of 32 bytes (not 16: .NET's own PKCS7 mode refuses the official vectors, so the padding is
/// checked and added here), a plaintext of 16 random bytes, the message's length (4 bytes, big-endian), the message
/// and the receive id (the corp id), and a SHA-1 signature over the sorted token, timestamp, nonce and ciphertext.
/// Every malformed input is refused with its code, never an unchecked slice.
/// </summary>
public sealed class WeComCrypto
{
    private const int Block = 32;
    private readonly string _token;
    private readonly byte[] _key;
    private readonly string _receiveId;

    /// <param name="encodingAesKey">The 43 characters set in WeCom's console: Base64 of the 32-byte key without its "=".</param>
    /// <param name="receiveId">The corp id for a self-built app's callbacks.</param>
    public WeComCrypto(string token, string encodingAesKey, string receiveId)
    {
        if (encodingAesKey is not { Length: 43 } || !encodingAesKey.All(char.IsAsciiLetterOrDigit))
            throw new WeComCryptoException(WeComCryptoException.IllegalAesKey, "the EncodingAESKey must be 43 letters and digits");
        (_token, _key, _receiveId) = (token, Convert.FromBase64String(encodingAesKey + "="), receiveId);
    }

    public string Sign(string timestamp, string nonce, string encrypted)
    {
        string[] parts = [_token, timestamp, nonce, encrypted];
        Array.Sort(parts, StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
    }

    /// <summary>WeCom's check of the callback URL: the decrypted <paramref name="echo"/>, to be answered as the whole body.</summary>
    public string VerifyUrl(string signature, string timestamp, string nonce, string echo)
    {
        CheckSignature(signature, timestamp, nonce, echo);
        return Decrypt(echo);
    }

    /// <summary>A callback's body (<c>&lt;xml&gt;&lt;Encrypt&gt;…</c>) checked and decrypted: the event's XML.</summary>
    public string DecryptMessage(string signature, string timestamp, string nonce, string body)
    {
        var encrypted = EncryptedOf(body);
        CheckSignature(signature, timestamp, nonce, encrypted);
        return Decrypt(encrypted);
    }

    public string Decrypt(string encrypted)
    {
        byte[] cipher;
        try { cipher = Convert.FromBase64String(encrypted); }
        catch (FormatException) { throw new WeComCryptoException(WeComCryptoException.Decrypt, "the ciphertext is not Base64"); }
        if (cipher.Length == 0 || cipher.Length % 16 != 0) throw new WeComCryptoException(WeComCryptoException.Decrypt, "the ciphertext is not whole AES blocks");
        using var aes = Aes.Create();
        aes.Key = _key;
        var plain = aes.DecryptCbc(cipher, _key.AsSpan(0, 16), PaddingMode.None);

        var pad = plain[^1];
        if (pad is < 1 or > Block || pad > plain.Length || plain.AsSpan(plain.Length - pad).IndexOfAnyExcept(pad) >= 0)
            throw new WeComCryptoException(WeComCryptoException.IllegalBuffer, "the padding is malformed");
        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < 20) throw new WeComCryptoException(WeComCryptoException.IllegalBuffer, "the plaintext is too short");
        var length = BinaryPrimitives.ReadUInt32BigEndian(content.Slice(16, 4));
        if (length > content.Length - 20) throw new WeComCryptoException(WeComCryptoException.IllegalBuffer, "the message length exceeds the plaintext");
        var message = content.Slice(20, (int)length);
        var receiveId = content[(20 + (int)length)..];
        if (!CryptographicOperations.FixedTimeEquals(receiveId, Encoding.UTF8.GetBytes(_receiveId)))
            throw new WeComCryptoException(WeComCryptoException.ReceiveId, "the message is for another receiver");
        return Encoding.UTF8.GetString(message);
    }

    /// <summary>Encrypts <paramref name="message"/> as WeCom does (the fake server's callbacks, a passive reply).</summary>
    public string Encrypt(string message, byte[]? random = null)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var receiver = Encoding.UTF8.GetBytes(_receiveId);
        var length = 20 + text.Length + receiver.Length;
        var pad = Block - length % Block;
        var plain = new byte[length + pad];
        (random ?? RandomNumberGenerator.GetBytes(16)).AsSpan(0, 16).CopyTo(plain);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16, 4), (uint)text.Length);
        text.CopyTo(plain, 20);
        receiver.CopyTo(plain, 20 + text.Length);
        plain.AsSpan(length).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = _key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>A callback's whole body, as WeCom posts it: the encrypted event with its recipient.</summary>
    public string CallbackBody(string message, string agentId) =>
        $"<xml><ToUserName><![CDATA[{_receiveId}]]></ToUserName><Encrypt><![CDATA[{Encrypt(message)}]]></Encrypt><AgentID><![CDATA[{agentId}]]></AgentID></xml>";

    private void CheckSignature(string signature, string timestamp, string nonce, string encrypted)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(timestamp, nonce, encrypted));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature ?? "")))
            throw new WeComCryptoException(WeComCryptoException.Signature, "the signature does not match");
    }

    private static string EncryptedOf(string body)
    {
        try
        {
            var doc = new XmlDocument { XmlResolver = null };
            using var reader = XmlReader.Create(new StringReader(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc.Load(reader);
            return doc.DocumentElement?["Encrypt"]?.InnerText is { Length: > 0 } encrypted ? encrypted
                : throw new WeComCryptoException(WeComCryptoException.ParseXml, "the body has no Encrypt element");
        }
        catch (XmlException) { throw new WeComCryptoException(WeComCryptoException.ParseXml, "the body is not XML"); }
    }
}
