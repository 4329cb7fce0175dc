using System.Xml;

namespace Matrix.WeCom.Callbacks;

/// <summary>
/// A decrypted callback's event as Matrix reads it. Its identity (change, member, customer, time) is what WeCom
/// repeats when it sends the same callback again, so it is the idempotency key of what Matrix makes of it.
/// </summary>
/// <remarks>A customer group's event (<c>change_external_chat</c>) names its <see cref="ChatId"/> and, for an update, what changed (<see cref="UpdateDetail"/>).</remarks>
public sealed record WeComEvent(string Event, string? ChangeType, string? UserId, string? ExternalUserId, long CreateTime, string? State, string? WelcomeCode)
{
    public string? ChatId { get; init; }

    public string? UpdateDetail { get; init; }

    /// <summary><c>del_external_contact</c>: DELETE_BY_TRANSFER when the customer left the member by a transfer.</summary>
    public string? Source { get; init; }

    /// <summary><c>transfer_fail</c>: customer_refused or customer_limit_exceed.</summary>
    public string? FailReason { get; init; }

    public DateTimeOffset At => DateTimeOffset.FromUnixTimeSeconds(CreateTime);

    public string Identity => $"wecom:{ChangeType ?? Event}:{UserId}:{ExternalUserId ?? ChatId}:{CreateTime}";

    /// <summary>The event in <paramref name="xml"/> (no DTD, no external entities), or null when it is not one.</summary>
    public static WeComEvent? Parse(string xml)
    {
        var doc = new XmlDocument { XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
        var root = doc.DocumentElement;
        string? Text(string name) => root?[name]?.InnerText is { Length: > 0 } value ? value : null;
        return Text("Event") is { } name && long.TryParse(Text("CreateTime"), out var created)
            ? new(name, Text("ChangeType"), Text("UserID"), Text("ExternalUserID"), created, Text("State"), Text("WelcomeCode"))
            {
                ChatId = Text("ChatId"),
                UpdateDetail = Text("UpdateDetail"),
                Source = Text("Source"),
                FailReason = Text("FailReason"),
            }
            : null;
    }
}
