using System.Security.Claims;
using Matrix.Web.Access;
using Microsoft.Extensions.Localization;

namespace Matrix.Web.Reports;

/// <summary>What every report counts over: the reader's accounts (a lead's team's, an operator's own), narrowed by the filter, and how the page states it.</summary>
public sealed class ReportScopes(AccessService access, IStringLocalizer<Ui> text)
{
    /// <summary>The account ids a report counts over (null: all, an admin without filters) and how the page states them.</summary>
    public async Task<(string[]? Accounts, string Scope)> OfAsync(ClaimsPrincipal user, ReportFilter filter)
    {
        var viewer = AccessService.ViewerOf(user);
        if (viewer.IsAdmin && filter is { Team: null, PersonaId: null, AccountId: null })
            return (null, text["Report.ScopeAll"].Value);
        var visible = await access.VisibleAccountsAsync(user);
        var chosen = visible.Where(a => (filter.Team is null || a.Profile.Team == filter.Team) && (filter.PersonaId is null || a.Profile.PersonaId == filter.PersonaId)
            && (filter.AccountId is null || a.Id == filter.AccountId)).ToList();
        if (filter.AccountId is not null && chosen.Count == 0) throw new KeyNotFoundException($"account {filter.AccountId}");
        var scope = filter.AccountId is not null ? text["Report.ScopeAccount", chosen[0].Profile.WeChatId].Value
            : filter.Team is not null ? text["Report.ScopeTeam", filter.Team].Value
            : viewer.IsAdmin ? text["Report.ScopeAll"].Value : viewer.Team is { } team ? text["Report.ScopeTeam", team].Value : text["Report.ScopeOwn"].Value;
        return ([.. chosen.Select(a => a.Id)], scope + (filter.Channel is { } c ? " · " + text["Report.ScopeChannel", c].Value : ""));
    }

    /// <summary>The channels whose scans a report counts: all for an admin, else those the reader may see (narrowed to the filter's).</summary>
    public async Task<string[]?> ChannelsAsync(ClaimsPrincipal user, ReportFilter filter)
    {
        if (AccessService.ViewerOf(user).IsAdmin) return filter.Channel is { } only ? [only] : null;
        var visible = (await access.VisibleChannelsAsync(user)).Select(c => c.Id);
        return [.. visible.Where(c => filter.Channel is null || c == filter.Channel)];
    }
}
