using System.Globalization;
using System.Security.Claims;
using Matrix.Domain.Reports;
using Matrix.Grains;
using Matrix.Grains.Reports;
using Matrix.Web.Access;
using Matrix.Web.Exports;
using Microsoft.Extensions.Localization;

namespace Matrix.Web.Reports;

/// <param name="People">New people: first arrivals in the matrix (a person adding a second account, or coming back, is not new).</param>
/// <param name="AddRate">New friends per scan.</param>
/// <param name="Retained7">Of the new friends added at least 7 days ago, the share still friends 7 days after their add (none when none is that old).</param>
public sealed record ChannelRow(string ChannelId, string Name, long Scans, long FullScans, int Added, int People, double? AddRate, double? Retained7, double? Retained30);

public sealed record ChannelReport(string Scope, DateTimeOffset ComputedAt, IReadOnlyList<ChannelRow> Rows);

/// <param name="Friends">At the end of the range.</param>
/// <param name="FollowUpsMissed">Due in the range and neither done nor skipped (expired, or still open).</param>
public sealed record AccountRow(string AccountId, string WeChatId, int Friends, int SoftCap, int HardCap, double? SoftFill, double? HardFill,
    int Added, int Lost, int Removed, int FollowUpsDue, int FollowUpsDone, int FollowUpsSkipped, int FollowUpsMissed, int Replies, int RepliedCustomers,
    int Purchases, decimal Amount);

public sealed record AccountReport(string Scope, DateTimeOffset ComputedAt, IReadOnlyList<AccountRow> Rows);

public sealed record CohortRow(string Month, int Customers, int Within30, int Within60, int Within90, double? Rate30, double? Rate60, double? Rate90);

/// <param name="RepeatRate">Buyers with two orders or more in the range ÷ buyers in the range.</param>
public sealed record RepurchaseReport(string Scope, DateTimeOffset ComputedAt, int Buyers, int RepeatBuyers, double? RepeatRate, int Orders, decimal Amount,
    IReadOnlyList<CohortRow> Cohorts);

/// <param name="Share">Of the customers counted; a customer has several tags, so the shares add up to more than 100%.</param>
public sealed record TagRow(string Tag, int Customers, double? Share);

/// <param name="CountedOn">The store day whose end the counts are of (tags are counted nightly); null before the first night.</param>
public sealed record TagReport(string Scope, DateTimeOffset ComputedAt, DateOnly? CountedOn, int Customers, IReadOnlyList<TagRow> Rows);

/// <summary>The channel, account, repurchase and tag reports, scoped as the growth report is (<see cref="ReportScopes"/>).</summary>
public sealed class ActivityDesk(ReportScopes scopes, ActivityReports activity, OutcomeDays outcomes, RelationshipReports relationshipLog, AccessService access,
    MatrixDirectory directory, StoreClock clock, IStringLocalizer<Ui> text)
{
    public async Task<ChannelReport> ChannelsAsync(ClaimsPrincipal user, ReportRange range, ReportFilter filter)
    {
        var (accounts, scope) = await scopes.OfAsync(user, filter);
        var channels = await scopes.ChannelsAsync(user, filter);
        var adds = (await outcomes.AddsAsync(accounts, filter.Channel is { } c ? [c] : null, range)).GroupBy(a => a.ChannelId).ToDictionary(g => g.Key);
        var scans = await activity.ScansAsync(channels, range);
        var names = (await directory.ChannelsAsync()).ToDictionary(c => c.Id, c => c.Definition.Name);
        var rows = adds.Keys.Union(scans.Keys).Select(id =>
        {
            var a = adds.GetValueOrDefault(id)?.ToList() ?? [];
            var (added, old7, old30) = (a.Sum(x => x.Added), a.Sum(x => x.Old7), a.Sum(x => x.Old30));
            var (scanned, full) = scans.GetValueOrDefault(id);
            return new ChannelRow(id, id.Length == 0 ? text["NoChannel"].Value : names.GetValueOrDefault(id, id), scanned, full, added, a.Sum(x => x.People),
                Rates.Share(added, scanned), Rates.Share(old7 - a.Sum(x => x.Ended7), old7), Rates.Share(old30 - a.Sum(x => x.Ended30), old30));
        });
        return new(scope, clock.UtcNow, [.. rows.OrderByDescending(r => r.Added).ThenByDescending(r => r.Scans).ThenBy(r => r.ChannelId, StringComparer.Ordinal)]);
    }

    public async Task<AccountReport> AccountsAsync(ClaimsPrincipal user, ReportRange range, ReportFilter filter)
    {
        var (ids, scope) = await scopes.OfAsync(user, filter);
        var accounts = ids is null ? await directory.AccountsAsync() : await access.VisibleAccountsAsync(user, await directory.AccountsAsync(ids: ids));
        var relationships = await relationshipLog.ByAccountAsync(ids, range);
        var work = (await activity.AccountsAsync(ids, range)).ToDictionary(a => a.AccountId);
        var rows = accounts.Select(a =>
        {
            var r = relationships.GetValueOrDefault(a.Id) ?? new RelationshipDay(range.To, 0, 0, 0, 0, 0, 0);
            var w = work.GetValueOrDefault(a.Id) ?? new AccountActivity(a.Id, 0, 0, 0, 0, 0, 0, 0);
            var caps = a.Profile.Capacity;
            return new AccountRow(a.Id, a.Profile.WeChatId, r.Friends, caps.SoftCap, caps.HardCap, Rates.Share(r.Friends, caps.SoftCap), Rates.Share(r.Friends, caps.HardCap),
                r.Added, r.Lost, r.Removed, w.FollowUpsDue, w.FollowUpsDone, w.FollowUpsSkipped, w.FollowUpsDue - w.FollowUpsDone - w.FollowUpsSkipped,
                w.Replies, w.RepliedCustomers, w.Purchases, w.Amount);
        });
        return new(scope, clock.UtcNow, [.. rows.OrderByDescending(r => r.Friends).ThenBy(r => r.WeChatId, StringComparer.Ordinal)]);
    }

    public async Task<RepurchaseReport> RepurchaseAsync(ClaimsPrincipal user, ReportRange range, ReportFilter filter)
    {
        var (accounts, scope) = await scopes.OfAsync(user, filter);
        var (totals, cohorts) = await activity.RepurchaseAsync(accounts, range);
        return new(scope, clock.UtcNow, totals.Buyers, totals.RepeatBuyers, Rates.Share(totals.RepeatBuyers, totals.Buyers), totals.Orders, totals.Amount,
            [.. cohorts.Select(c => new CohortRow(c.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), c.Customers, c.Within30, c.Within60, c.Within90,
                Rates.Share(c.Within30, c.Customers), Rates.Share(c.Within60, c.Customers), Rates.Share(c.Within90, c.Customers)))]);
    }

    public async Task<TagReport> TagsAsync(ClaimsPrincipal user, ReportRange range, ReportFilter filter)
    {
        var (accounts, scope) = await scopes.OfAsync(user, filter);
        var (day, tags) = await activity.TagsAsync(accounts, range);
        var total = tags.FirstOrDefault(t => t.Tag.Length == 0)?.Customers ?? 0;
        return new(scope, clock.UtcNow, day, total, [.. tags.Where(t => t.Tag.Length > 0).Select(t => new TagRow(t.Tag, t.Customers, Rates.Share(t.Customers, total)))]);
    }

    public Sheet ChannelSheet(ChannelReport report) => new("report-channels", report.Scope,
        Headers("Report.Channel", "Report.Scans", "Report.FullScans", "Report.Added", "Report.People", "Report.AddRate", "Report.Retained7", "Report.Retained30"),
        report.Rows.Select(r => new object?[] { r.Name, r.Scans, r.FullScans, r.Added, r.People, Percent(r.AddRate), Percent(r.Retained7), Percent(r.Retained30) }).ToAsyncEnumerable());

    public Sheet AccountSheet(AccountReport report) => new("report-accounts", report.Scope,
        Headers("Field.weChatId", "Report.Friends", "Report.SoftFill", "Report.HardFill", "Report.Added", "Report.Lost", "Report.Removed",
            "Report.FollowUpsDue", "Report.FollowUpsDone", "Report.FollowUpsSkipped", "Report.FollowUpsMissed", "Report.Replies", "Report.Purchases", "Report.Amount"),
        report.Rows.Select(r => new object?[] { r.WeChatId, r.Friends, Percent(r.SoftFill), Percent(r.HardFill), r.Added, r.Lost, r.Removed,
            r.FollowUpsDue, r.FollowUpsDone, r.FollowUpsSkipped, r.FollowUpsMissed, r.Replies, r.Purchases, r.Amount }).ToAsyncEnumerable());

    /// <summary>The cohorts, a row each, then the range's buyers, repeat buyers and rate, a row each.</summary>
    public Sheet RepurchaseSheet(RepurchaseReport report) => new("report-repurchase", report.Scope,
        [text["Report.Cohort"].Value, text["Report.FirstBuyers"].Value, text["Report.Within", 30].Value, text["Report.Within", 60].Value, text["Report.Within", 90].Value],
        report.Cohorts.Select(c => new object?[] { c.Month, c.Customers, c.Within30, c.Within60, c.Within90 })
            .Append([text["Report.Buyers"].Value, report.Buyers, null, null, null])
            .Append([text["Report.RepeatBuyers"].Value, report.RepeatBuyers, null, null, null])
            .Append([text["Report.RepeatRate"].Value, Percent(report.RepeatRate), null, null, null]).ToAsyncEnumerable());

    public Sheet TagSheet(TagReport report) => new("report-tags", report.Scope,
        Headers("Report.Tag", "Report.Customers", "Report.Share"),
        report.Rows.Select(r => new object?[] { r.Tag, r.Customers, Percent(r.Share) }).ToAsyncEnumerable());

    private string[] Headers(params string[] keys) => [.. keys.Select(k => text[k].Value)];

    private static double? Percent(double? share) => share is { } s ? Math.Round(s * 100, 2) : null;
}
