using System.Security.Claims;
using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Reports;

namespace Matrix.Web.ConsoleModel;

/// <summary>The matrix at a glance, for what the viewer sees.</summary>
public sealed record Dashboard(
    IReadOnlyList<AccountRow> Accounts,
    IReadOnlyDictionary<(AccountRole, AccountStatus), int> ByRoleAndStatus,
    IReadOnlyList<ChannelRow> FullChannels,
    TaskDay Tasks,
    IReadOnlyList<DailyAdds> Adds,
    DateOnly Today,
    IReadOnlyDictionary<string, string> ChannelNames);

public sealed class DashboardDesk(AccountDesk accounts, ChannelDesk channels, MatrixReports reports, StoreClock clock)
{
    public const int ChartDays = 30;

    public async Task<Dashboard> LoadAsync(ClaimsPrincipal user)
    {
        var rows = await accounts.RowsAsync(user);
        var ids = rows.Select(r => r.Id).ToList();
        var channelRows = await channels.RowsAsync(user);
        return new Dashboard(rows,
            rows.GroupBy(r => (r.Profile.Role, r.Profile.Status)).ToDictionary(g => g.Key, g => g.Count()),
            [.. channelRows.Where(c => c.Full)],
            await reports.TaskDayAsync(ids),
            await reports.AddsByDayAsync(ids, ChartDays),
            clock.Today,
            channelRows.ToDictionary(c => c.Id, c => c.Definition.Name));
    }

    /// <summary>Budget for today of an account (null: no daily limit), counting its warm-up ramp.</summary>
    public int? BudgetToday(AccountProfile profile) => profile.Capacity.BudgetOn(profile.AgeDays(clock.UtcNow));
}
