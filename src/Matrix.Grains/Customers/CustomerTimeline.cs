using System.Globalization;
using Matrix.Grains.Tasks;

namespace Matrix.Grains.Customers;

/// <param name="Kind">added, deleted, purchase, refund, message, task, touch, skipped, profile, tag, transfer.</param>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Detail, string? AccountId);

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
            entries.Add(new(link.AddedAt, "added", link.ChannelId ?? "", link.AccountId));
            if (link.RemovedAt is { } removed) entries.Add(new(removed, "deleted", link.RemovedByCustomer == true ? "by-customer" : "by-us", link.AccountId));
        }
        foreach (var p in s.Purchases)
        {
            entries.Add(new(p.At, "purchase", $"{p.OrderId} {p.Amount.ToString("0.00", CultureInfo.InvariantCulture)}", null));
            if (p.RefundedAt is { } refunded) entries.Add(new(refunded, "refund", p.OrderId, null));
        }
        entries.AddRange(s.MessagesAt.Select(m => new TimelineEntry(m, "message", "", null)));
        foreach (var t in tasks)
        {
            entries.Add(new(t.DueAt, "task", $"{t.Kind} [{t.Status}]: {t.Body}", t.AccountId));
            if (t.DoneAt is { } done) entries.Add(new(done, t.Status == "done" ? "touch" : "skipped", $"{t.Kind} ({t.DoneBy})", t.AccountId));
        }
        entries.AddRange(s.Changes.Select(c => new TimelineEntry(c.At, c.What, $"{c.Detail} ({c.By})".Trim(), null)));
        return [.. entries.OrderByDescending(e => e.At).ThenBy(e => e.Kind, StringComparer.Ordinal)];
    }
}
