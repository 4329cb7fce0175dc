using System.Security.Claims;
using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Reports;

namespace Matrix.Web.ConsoleModel;

/// <summary>
/// The matrix at a glance, for what the viewer sees. <paramref name="Fullest"/> are the accounts nearest their soft
/// cap (at most <see cref="DashboardDesk.FullestShown"/>; the accounts page lists them all).
/// </summary>
public sealed record Dashboard(
    IReadOnlyList<AccountRow> Accounts,
    IReadOnlyList<AccountRow> Fullest,
    IReadOnlyDictionary<(AccountRole, AccountStatus), int> ByRoleAndStatus,
    IReadOnlyList<ChannelRow> FullChannels,
    TaskDay Tasks,
    IReadOnlyList<DailyAdds> Adds,
    DateOnly Today,
    IReadOnlyDictionary<string, string> ChannelNames,
    IReadOnlySet<string> ChartedChannels);

public sealed class DashboardDesk(AccountDesk accounts, ChannelDesk channels, MatrixReports reports, StoreClock clock)
{
    public const int ChartDays = 30;

    /// <summary>Accounts in the dashboard's fill table: a chain has a thousand, and a glance is at the fullest.</summary>
    public const int FullestShown = 20;

    /// <summary>Channels charted one by one (those with the most adds); the rest are one series.</summary>
    public const int ChartedChannels = 5;

    public async Task<Dashboard> LoadAsync(ClaimsPrincipal user)
    {
        var rows = await accounts.RowsAsync(user);
        var ids = rows.Select(r => r.Id).ToList();
        // Three reads of their own (each on its own connection), side by side: the page waits for the slowest, not the sum.
        var (channelsRead, addsRead, tasksRead) = (channels.RowsAsync(user), reports.AddsByDayAsync(ids, ChartDays), reports.TaskDayAsync(ids));
        await Task.WhenAll(channelsRead, addsRead, tasksRead);
        var (channelRows, adds, tasks) = (await channelsRead, await addsRead, await tasksRead);
        return new Dashboard(rows,
            [.. rows.OrderByDescending(r => (double)r.Friends / Math.Max(1, r.Profile.Capacity.SoftCap)).ThenBy(r => r.Profile.WeChatId, StringComparer.Ordinal).Take(FullestShown)],
            rows.GroupBy(r => (r.Profile.Role, r.Profile.Status)).ToDictionary(g => g.Key, g => g.Count()),
            [.. channelRows.Where(c => c.Full)],
            tasks,
            adds,
            clock.Today,
            channelRows.ToDictionary(c => c.Id, c => c.Definition.Name),
            // The channels with the most adds one by one, the rest together: a chain's hundred channels are not a chart.
            adds.GroupBy(a => a.Channel).OrderByDescending(g => g.Sum(a => a.Friends)).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(ChartedChannels).Select(g => g.Key).ToHashSet());
    }

    /// <summary>Budget for today of an account (null: no daily limit), counting its warm-up ramp.</summary>
    public int? BudgetToday(AccountProfile profile) => profile.Capacity.BudgetOn(profile.AgeDays(clock.UtcNow));
}
