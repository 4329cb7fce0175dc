using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Customers;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <summary>
/// A customer's tags changed in Matrix follow on each of the customer's WeCom accounts as <c>mark_tag</c> calls on
/// that member's relationship (WeCom keeps tags per relationship, not per customer), through the outbox: written
/// first, sent when WeCom takes them. Only tags that mirror cleanly on the corp are marked (<see cref="WeComTagMirror"/>);
/// the rest are listed there as conflicts.
/// </summary>
public sealed class WeComTagMarks(NpgsqlDataSource db, WeComCorps corps, WeComTagMirror mirror, WeComOutbox outbox, MatrixDirectory directory) : ICustomerTagSink
{
    public const string Kind = "mark_tag";

    Task ICustomerTagSink.TagsChangedAsync(string customerId, IReadOnlyList<string> added, IReadOnlyList<string> removed) => MarkAsync(customerId, added, removed);

    /// <summary>Marks (and unmarks) the customer on every WeCom account they are a friend of, or on <paramref name="onlyAccount"/>.</summary>
    public async Task MarkAsync(string customerId, IReadOnlyList<string> added, IReadOnlyList<string> removed, string? onlyAccount = null)
    {
        if (added.Count + removed.Count == 0) return;
        // The directory is cached: a customer with no WeCom account costs one query here (an import calls this per row).
        var accounts = (await directory.AccountsAsync()).Where(a => a.Profile.Kind == AccountKind.WeCom && !string.IsNullOrEmpty(a.Profile.WeChatId)).ToDictionary(a => a.Id);
        if (accounts.Count == 0) return;
        foreach (var accountId in await FriendOfAsync(customerId))
        {
            if (!accounts.TryGetValue(accountId, out var account) || (onlyAccount is not null && accountId != onlyAccount)) continue;
            if (await corps.CorpOfAccountAsync(accountId) is not { } corpId) continue;
            var (idOf, _) = await mirror.MappedAsync(corpId);
            var add = added.Where(idOf.ContainsKey).Select(t => idOf[t]).ToArray();
            var remove = removed.Where(idOf.ContainsKey).Select(t => idOf[t]).ToArray();
            if (add.Length + remove.Length == 0) continue;
            await outbox.AddAsync(corpId, Kind, "/cgi-bin/externalcontact/mark_tag",
                new { userid = account.Profile.WeChatId, external_userid = customerId, add_tag = add, remove_tag = remove },
                $"{customerId} @ {account.Profile.WeChatId}: " + string.Join(" ", added.Where(idOf.ContainsKey).Select(t => "+" + t).Concat(removed.Where(idOf.ContainsKey).Select(t => "-" + t))));
        }
    }

    private async Task<IReadOnlyList<string>> FriendOfAsync(string customerId)
    {
        await using var cmd = db.CreateCommand("select account_id from account_friends where external_id = $1 and removed_at is null");
        cmd.Parameters.Add(new() { Value = customerId });
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }
}
