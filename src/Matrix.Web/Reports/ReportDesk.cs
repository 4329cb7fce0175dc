using System.Security.Claims;
using Matrix.Domain.Reports;
using Matrix.Grains;
using Matrix.Grains.Reports;
using Matrix.Web.Access;
using Matrix.Web.Exports;
using Microsoft.Extensions.Localization;

namespace Matrix.Web.Reports;

/// <summary>What a report covers: the reader's accounts, narrowed by team, persona, account and channel.</summary>
public sealed record ReportFilter(string? Team = null, string? PersonaId = null, string? AccountId = null, string? Channel = null);

/// <summary>Growth and churn per period, with the scope they count over and when they were computed.</summary>
/// <summary>A channel's new friends in a range and how many of them left (deleted us) within a day, a week and a month of their add.</summary>
public sealed record EarlyLosses(string ChannelId, int Added, int LostWithin1, int LostWithin7, int LostWithin30);

public sealed record GrowthReport(string Scope, DateTimeOffset ComputedAt, ReportGrouping Grouping, IReadOnlyList<RelationshipPeriod> Periods,
    IReadOnlyList<EarlyLosses> EarlyLosses);

/// <param name="Dimension">plan, welcome, rehome, moments (by category; touches are the friends who saw the posts) or account.</param>
public sealed record TouchChurnRow(string Dimension, string Key, string Name, long Touches, int LostWithin48h, double? PerThousand);

/// <summary>Deletions within 48 hours of a touch per 1,000 touches, against untouched customers per 1,000 customer-48-hour windows.</summary>
public sealed record TouchChurnReport(string Scope, DateTimeOffset ComputedAt, IReadOnlyList<TouchChurnRow> Rows, int BaselineLosses, double BaselineWindows, double? BaselinePerThousand);

/// <summary>The reports as the console and the API show them, scoped as the accounts page is (a lead: their team's).</summary>
public sealed class ReportDesk(ReportScopes scopes, RelationshipReports reports, OutcomeDays outcomes, MatrixDirectory directory, Grains.Campaigns.CampaignStore campaigns,
    StoreClock clock, IStringLocalizer<Ui> text)
{
    public async Task<GrowthReport> GrowthAsync(ClaimsPrincipal user, ReportRange range, ReportFilter filter)
    {
        var (accounts, scope) = await scopes.OfAsync(user, filter);
        var (days, before) = await reports.DaysAsync(accounts, filter.Channel, range);
        var early = (await outcomes.AddsAsync(accounts, filter.Channel is { } c ? [c] : null, range)).GroupBy(a => a.ChannelId)
            .Select(g => new EarlyLosses(g.Key, g.Sum(a => a.Added), g.Sum(a => a.LostWithin1), g.Sum(a => a.LostWithin7), g.Sum(a => a.LostWithin30)))
            .OrderByDescending(e => e.Added).ThenBy(e => e.ChannelId, StringComparer.Ordinal).ToList();
        return new(scope, clock.UtcNow, range.Grouping, RelationshipPeriod.Of(range, days, before), early);
    }

    public async Task<TouchChurnReport> TouchChurnAsync(ClaimsPrincipal user, ReportRange range, ReportFilter filter)
    {
        var (accounts, scope) = await scopes.OfAsync(user, filter);
        var touched = await outcomes.TouchesAsync(accounts, range);
        // Final days of an admin's report come as sums (OutcomeDays): over every account per origin, and over an
        // account's task origins per account; the live days, and a scoped report's days, per account and origin.
        bool IsTask(string origin) => origin != TouchOutcome.Untouched && origin != OutcomeDays.AllTaskOrigins && !origin.StartsWith(TouchOutcome.MomentsPrefix, StringComparison.Ordinal);
        var touches = touched.Where(t => IsTask(t.Origin)).ToList();
        var perAccount = touched.Where(t => t.AccountId != OutcomeDays.AllAccounts && (IsTask(t.Origin) || t.Origin == OutcomeDays.AllTaskOrigins)).ToList();
        var plans = (await directory.PlansAsync()).ToDictionary(p => p.Id, p => p.Plan.Name);
        var names = (await directory.AccountsAsync(ids: [.. perAccount.Select(t => t.AccountId).Distinct()])).ToDictionary(a => a.Id, a => a.Profile.WeChatId);
        // A Moments post is seen by the account's friends: its touches are those friends, its rate per 1,000 of them.
        var moments = touched.Where(t => t.Origin.StartsWith(TouchOutcome.MomentsPrefix, StringComparison.Ordinal))
            .GroupBy(t => t.Origin[TouchOutcome.MomentsPrefix.Length..]).Select(g => Row("moments", g.Key, text[$"Category.{g.Key}"].Value, g));
        var campaignNames = touches.Any(t => t.Origin.StartsWith(Grains.Campaigns.CampaignSender.OriginPrefix, StringComparison.Ordinal))
            ? (await campaigns.ListAsync()).ToDictionary(c => c.Id, c => c.Definition.Name) : [];
        var rows = touches.GroupBy(t => Origin(t.Origin, plans, campaignNames)).Select(g => Row(g.Key.Dimension, g.Key.Key, g.Key.Name, g))
            .Concat(moments)
            .Concat(perAccount.GroupBy(t => t.AccountId).Select(g => Row("account", g.Key, names.GetValueOrDefault(g.Key, g.Key), g)))
            .OrderBy(r => r.Dimension == "account").ThenByDescending(r => r.PerThousand).ToList();
        // The baseline: deletions with no touch before them, over every customer's 48-hour windows in the range.
        var (days, _) = await reports.DaysAsync(accounts, null, range);
        var windows = range.Days().Sum(d => (double)(days.GetValueOrDefault(d)?.Friends ?? 0)) * (TimeSpan.FromDays(1) / Rates.TouchWindow);
        var untouched = touched.Where(t => t.Origin == TouchOutcome.Untouched).Sum(t => t.LostWithin48h);
        return new(scope, clock.UtcNow, rows, untouched, windows, Rates.PerThousand(untouched, windows));
    }

    /// <summary>The growth report as a sheet: a row per period, named columns in the reader's language.</summary>
    public Sheet GrowthSheet(GrowthReport report, ReportRange range) => new("report-growth", report.Scope,
        [.. new[] { "Report.Period", "Report.Friends", "Report.Added", "Report.Lost", "Report.Removed", "Report.Net", "Report.MovedIn", "Report.Imported", "Report.ChurnRate" }.Select(k => text[k].Value)],
        report.Periods.Select(p => new object?[] { range.Label(p.Start), p.Friends, p.Added, p.Lost, p.Removed, p.Net, p.MovedIn, p.Imported, p.ChurnRate is { } r ? Math.Round(r * 100, 2) : null }).ToAsyncEnumerable());

    public Sheet TouchSheet(TouchChurnReport report) => new("report-touches", report.Scope,
        [.. new[] { "Report.Dimension", "Report.Name", "Report.Touches", "Report.LostWithin48h", "Report.PerThousand" }.Select(k => text[k].Value)],
        report.Rows.Select(r => new object?[] { text[$"Report.Dimension.{r.Dimension}"].Value, r.Name, r.Touches, r.LostWithin48h, r.PerThousand is { } p ? Math.Round(p, 1) : null })
            .Append([text["Report.Baseline"].Value, "", null, report.BaselineLosses, report.BaselinePerThousand is { } b ? Math.Round(b, 1) : null]).ToAsyncEnumerable());

    private static TouchChurnRow Row(string dimension, string key, string name, IEnumerable<TouchOutcome> rows)
    {
        var (touches, lost) = (rows.Sum(r => r.Touches), rows.Sum(r => r.LostWithin48h));
        return new(dimension, key, name, touches, lost, Rates.PerThousand(lost, touches));
    }

    private (string Dimension, string Key, string Name) Origin(string origin, IReadOnlyDictionary<string, string> plans, IReadOnlyDictionary<string, string> campaigns) => origin switch
    {
        _ when origin.StartsWith(Grains.Campaigns.CampaignSender.OriginPrefix, StringComparison.Ordinal)
            => ("campaign", origin, campaigns.GetValueOrDefault(origin[Grains.Campaigns.CampaignSender.OriginPrefix.Length..], origin)),
        _ when origin.StartsWith(Grains.Customers.CustomerGrain.PlanReminderPrefix, StringComparison.Ordinal)
            => ("plan", origin, plans.GetValueOrDefault(origin[Grains.Customers.CustomerGrain.PlanReminderPrefix.Length..], origin)),
        "channel" => ("welcome", origin, text["Report.Dimension.welcome"].Value),
        "rehome" => ("rehome", origin, text["Report.Dimension.rehome"].Value),
        _ => ("other", origin, origin),
    };
}
