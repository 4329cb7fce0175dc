using System.Runtime.CompilerServices;
using System.Security.Claims;
using Matrix.Domain.Customers;
using Matrix.Grains;
using Matrix.Grains.Reports;
using Matrix.Grains.Tasks;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Matrix.Web.Exports;

/// <summary>
/// The console's lists as sheets, scoped as their pages are: names rather than ids for channels, accounts and enums
/// (ids in columns of their own), times in the store's zone with its offset, titles in the reader's language.
/// </summary>
public sealed class ExportDesk(AccessService access, AccountDesk accounts, CustomerExport customers, TaskStore tasks, MatrixDirectory directory,
    IOptions<CustomerSettings> settings, StoreClock clock, IStringLocalizer<Ui> text)
{
    /// <summary>The lists that export, by the name in <c>/api/exports/{list}</c>.</summary>
    public static readonly IReadOnlyList<string> Lists = ["customers", "accounts", "tasks", "losses"];

    public Task<Sheet> SheetAsync(ClaimsPrincipal user, string list, string? q, string? accountId) => list switch
    {
        "customers" => CustomersAsync(user, q ?? ""),
        "accounts" => AccountsAsync(user),
        "tasks" => TasksAsync(user, accountId),
        "losses" => LossesAsync(user, accountId),
        _ => throw new KeyNotFoundException($"list {list}"),
    };

    /// <summary>The customers the list page finds for <paramref name="q"/>, every one, in the page's order.</summary>
    public async Task<Sheet> CustomersAsync(ClaimsPrincipal user, string q)
    {
        var visible = (await access.VisibleAccountsAsync(user)).ToDictionary(a => a.Id, a => a.Profile.WeChatId);
        var channels = await ChannelNamesAsync();
        var scope = AccessService.ViewerOf(user).IsAdmin ? null : visible.Keys;
        return new("customers", q, Titles("Export.CustomerId", "Export.Name", "Phone", "Remark", "Export.Tags", "Export.Class", "Export.Purchases",
                "Export.SourceChannel", "Export.SourceChannelId", "Export.Accounts", "Export.FirstAdded"),
            Rows(customers.StreamAsync(scope, q), c =>
            {
                var counted = c.State.Purchases.Count(p => p.Counts);
                return [c.Hit.Id, c.Hit.DisplayName ?? c.State.Profile.DisplayName, c.Hit.Phone, c.State.Profile.Remark,
                    string.Join(" ", c.State.Tags.Order(StringComparer.Ordinal)), CustomerRules.Classify(counted, settings.Value).ToString(), counted,
                    c.Hit.Channel is { } id ? channels.GetValueOrDefault(id, id) : null, c.Hit.Channel,
                    string.Join(" ", c.Accounts.Where(visible.ContainsKey).Select(a => visible[a])), Time(c.Hit.FirstAddedAt)];
            }));
    }

    public async Task<Sheet> AccountsAsync(ClaimsPrincipal user)
    {
        var rows = await accounts.RowsAsync(user);
        return new("accounts", "", Titles("WeChatId", "Export.AccountId", "Persona", "Role", "Status", "Friends", "Export.SoftCap", "Export.HardCap", "Team", "Export.Holder"),
            Rows(rows.OrderBy(r => r.Id, StringComparer.Ordinal).ToAsyncEnumerable(), r => [r.Profile.WeChatId, r.Id, r.PersonaName,
                text[$"Role.{r.Profile.Role}"].Value, text[$"Status.{r.Profile.Status}"].Value, r.Friends, r.Profile.Capacity.SoftCap, r.Profile.Capacity.HardCap,
                r.Profile.Team, r.Profile.Operator]));
    }

    /// <summary>Today's open work (what the Today page lists), of one account or every account the reader sees.</summary>
    public async Task<Sheet> TasksAsync(ClaimsPrincipal user, string? accountId)
    {
        var visible = await VisibleAsync(user, accountId);
        var open = await tasks.DueAsync([.. visible.Keys], clock.TodayUtc.End);
        return new("tasks", accountId ?? "", Titles("Export.Due", "WeChatId", "Export.CustomerId", "Export.Kind", "Export.Body", "Export.TaskId"),
            Rows(open.ToAsyncEnumerable(), t => [Time(t.DueAt), visible[t.AccountId], t.CustomerId, text[$"TaskKind.{t.Kind}"].Value, t.Body, t.Id.ToString()]));
    }

    /// <summary>Customers who deleted us, newest first, with the last thing done for them before they left.</summary>
    public async Task<Sheet> LossesAsync(ClaimsPrincipal user, string? accountId)
    {
        var visible = await VisibleAsync(user, accountId);
        return new("losses", accountId ?? "", Titles("Export.LostAt", "WeChatId", "Export.CustomerId", "Export.LastTouchKind", "Export.LastTouch", "Export.LastTouchAt"),
            Rows(AllLossesAsync([.. visible.Keys]), l => [Time(l.At), visible[l.AccountId], l.CustomerId,
                l.AfterTouch is { } t ? text[$"TaskKind.{t.Kind}"].Value : null, l.AfterTouch?.Body, l.AfterTouch is { } d ? Time(d.DoneAt) : null]));
    }

    // The loss list page by page from its own cursor: each loss once, a thousand in memory at a time.
    private async IAsyncEnumerable<Loss> AllLossesAsync(IReadOnlyCollection<string> accountIds, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Loss? after = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await tasks.LossesAsync(accountIds, 1_000, after);
            foreach (var loss in page) yield return loss;
            if (page.Count < 1_000) yield break;
            after = page[^1];
        }
    }

    private async Task<Dictionary<string, string>> VisibleAsync(ClaimsPrincipal user, string? accountId) => accountId is null
        ? (await access.VisibleAccountsAsync(user)).ToDictionary(a => a.Id, a => a.Profile.WeChatId)
        : new() { [accountId] = (await access.AccountAsync(user, accountId)).Profile.WeChatId };

    private async Task<Dictionary<string, string>> ChannelNamesAsync() =>
        (await directory.ChannelsAsync()).ToDictionary(c => c.Id, c => c.Definition.Name);

    private string[] Titles(params string[] keys) => [.. keys.Select(k => text[k].Value)];

    private string Time(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, clock.Zone).ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);

    private static async IAsyncEnumerable<object?[]> Rows<T>(IAsyncEnumerable<T> items, Func<T, object?[]> row, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in items.WithCancellation(cancellationToken)) yield return row(item);
    }
}
