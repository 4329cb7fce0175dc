using System.Globalization;
using Matrix.Grains.Tasks;

namespace Matrix.Grains.Customers;

/// <param name="Kind">added, deleted, purchase, refund, message, task, touch, skipped, profile, tag, transfer.</param>
/// <param name="Detail">The entry in one line of English and codes, as the API gives it.</param>
/// <param name="Code">What the console translates: a task's kind, a changed field, a deletion's side, a channel.</param>
/// <param name="Status">A task's status (open, done, skipped, expired).</param>
/// <param name="By">Who did it, where a person did.</param>
/// <param name="Text">A task's message, a tag, an order: shown as it is.</param>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Detail, string? AccountId,
    string? Code = null, string? Status = null, string? By = null, string? Text = null);

/// <summary>
/// Every event and every touch of a customer, newest first, gathered from where each is recorded (the ledger's
/// friendships, the grain's purchases, messages and changes, the task queue) rather than kept twice.
/// </summary>
public static class CustomerTimeline
{
    public static IReadOnlyList<TimelineEntry> Build(CustomerRecord customer, IEnumerable<WorkTask> tasks)
    {
        var s = customer.State;
        var entries = new List<TimelineEntry>();
        foreach (var link in customer.Accounts)
        {
            entries.Add(new(link.AddedAt, "added", link.ChannelId ?? "", link.AccountId, Code: link.ChannelId));
            if (link.RemovedAt is { } removed)
            {
                var side = link.RemovedByCustomer == true ? "by-customer" : "by-us";
                entries.Add(new(removed, "deleted", side, link.AccountId, Code: side));
            }
        }
        foreach (var p in s.Purchases)
        {
            var order = $"{p.OrderId} {p.Amount.ToString("0.00", CultureInfo.InvariantCulture)}";
            entries.Add(new(p.At, "purchase", order, null, Text: order));
            if (p.RefundedAt is { } refunded) entries.Add(new(refunded, "refund", p.OrderId, null, Text: p.OrderId));
        }
        entries.AddRange(s.MessagesAt.Select(m => new TimelineEntry(m, "message", "", null)));
        foreach (var t in tasks)
        {
            entries.Add(new(t.DueAt, "task", $"{t.Kind} [{t.Status}]: {t.Body}", t.AccountId, Code: t.Kind, Status: t.Status, Text: t.Body));
            if (t.DoneAt is { } done) entries.Add(new(done, t.Status == "done" ? "touch" : "skipped", $"{t.Kind} ({t.DoneBy})", t.AccountId, Code: t.Kind, By: t.DoneBy));
        }
        entries.AddRange(s.Changes.Select(c => new TimelineEntry(c.At, c.What, $"{c.Detail} ({c.By})".Trim(), null,
            Code: c.What == "profile" ? c.Detail : null, By: c.By, Text: c.What == "tag" ? c.Detail : null)));
        return [.. entries.OrderByDescending(e => e.At).ThenBy(e => e.Kind, StringComparer.Ordinal)];
    }
}
