using System.Text;
using Matrix.Domain.Moments;

namespace Matrix.Grains.Moments;

/// <summary>Writes a persona's calendar as iCalendar (RFC 5545): CRLF lines folded at 75 octets, text escaped, times in UTC.</summary>
public static class IcsWriter
{
    public static string Write(string personaId, string personaName, IEnumerable<(string Id, MomentPost Post)> posts, DateTimeOffset stamp)
    {
        var lines = new List<string> { "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Matrix//Moments calendar//EN", "CALSCALE:GREGORIAN",
            $"X-WR-CALNAME:{Escape(personaName)}" };
        foreach (var (id, post) in posts)
        {
            lines.Add("BEGIN:VEVENT");
            lines.Add($"UID:{id}@{personaId}.matrix");
            lines.Add($"DTSTAMP:{Utc(stamp)}");
            lines.Add($"DTSTART:{Utc(post.PlannedAt)}");
            lines.Add($"DTEND:{Utc(post.PlannedAt.AddMinutes(15))}");
            lines.Add($"SUMMARY:{Escape($"[{post.Category}] {(post.Text.Length > 40 ? post.Text[..40] + "…" : post.Text)}")}");
            lines.Add($"DESCRIPTION:{Escape(post.Text)}");
            lines.Add($"CATEGORIES:{post.Category.ToString().ToUpperInvariant()}");
            lines.Add("END:VEVENT");
        }
        lines.Add("END:VCALENDAR");
        var ics = new StringBuilder();
        foreach (var line in lines) Fold(ics, line);
        return ics.ToString();
    }

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'");

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\").Replace(";", "\\;").Replace(",", "\\,").Replace("\r\n", "\\n").Replace("\n", "\\n").Replace("\r", "");

    // Lines longer than 75 octets continue on the next line after CRLF and a space, never splitting a UTF-8 character.
    private static void Fold(StringBuilder ics, string line)
    {
        var octets = 0;
        var limit = 75;
        foreach (var rune in line.EnumerateRunes())
        {
            var size = rune.Utf8SequenceLength;
            if (octets + size > limit)
            {
                ics.Append("\r\n ");
                octets = 1;
                limit = 75;
            }
            ics.Append(rune.ToString());
            octets += size;
        }
        ics.Append("\r\n");
    }
}
