using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>A customer found by a search, with where and when they arrived.</summary>
public sealed record CustomerHit(string Id, string? DisplayName, string? Phone, DateTimeOffset FirstAddedAt, string? Channel);

/// <summary>Where a page of the list starts: after this customer (the list runs newest arrival first, then by id).</summary>
public sealed record CustomerCursor(DateTimeOffset FirstAddedAt, string Id);

/// <summary>
/// One page of a search. <paramref name="Total"/> counts the matches up to <paramref name="CountedUpTo"/>;
/// <paramref name="More"/> says whether a page follows.
/// </summary>
public sealed record CustomerHits(IReadOnlyList<CustomerHit> Hits, int Total, bool More, int CountedUpTo = CustomerSearch.CountLimit)
{
    /// <summary>More customers match than were counted: say "over {Total}".</summary>
    public bool TotalIsLowerBound => Total >= CountedUpTo;
}

/// <summary>
/// Customer search: by WeChat ID, or anything in the profile (name, remark, phone, attributes, tags), over some
/// accounts (all of them for an admin). Read from customer_index, one row per customer, in the order shown and
/// page by page from a cursor, never sorting more than a page (Migrations/0009).
/// </summary>
public sealed class CustomerSearch(NpgsqlDataSource db)
{
    /// <summary>Counting stops here: past ten thousand, "over 10,000" tells a person as much as the exact number.</summary>
    public const int CountLimit = 10_000;

    /// <summary>
    /// A search counts its matches up to a thousand: each match is a row the text index hands back and the pattern is
    /// checked on, so counting a common surname to ten thousand at a million customers costs more than the page.
    /// </summary>
    public const int SearchCountLimit = 1_000;

    /// <param name="accountIds">The accounts whose customers the viewer sees; null for all (an admin).</param>
    public async Task<CustomerHits> PageAsync(IReadOnlyCollection<string>? accountIds, string text, CustomerCursor? after, int take)
    {
        var hits = new List<CustomerHit>();
        var where = Where(accountIds, text);
        // The count runs beside the page, on a connection of its own: a search's two index scans take the time of one.
        var limit = text.Trim().Length == 0 ? CountLimit : SearchCountLimit;
        var counting = CountAsync(where, accountIds, text, limit);
        _ = counting.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted); // observed if the page fails first
        await using (var cmd = Command($"""
            select id, display_name, phone, first_added_at, source_channel from customer_index
             where {where} {(after is null ? "" : "and (first_added_at, id) < ($3, $4)")}
             order by first_added_at desc, id desc
             limit {take + 1}
            """, accountIds, text)) // one more than shown: is there a next page?
        {
            if (after is not null)
            {
                cmd.Parameters.Add(new() { Value = after.FirstAddedAt.ToUniversalTime() });
                cmd.Parameters.Add(new() { Value = after.Id });
            }
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                hits.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.IsDBNull(4) ? null : r.GetString(4)));
        }
        var more = hits.Count > take;
        if (more) hits.RemoveAt(take);
        var total = await counting;
        // The first page holds every match: it is the count (and the same read, so it never disagrees with the rows).
        return after is null && !more ? new(hits, hits.Count, false) : new(hits, total, more, limit);
    }

    private async Task<int> CountAsync(string where, IReadOnlyCollection<string>? accountIds, string text, int limit)
    {
        await Task.Yield();
        await using var count = Command($"select count(*) from (select 1 from customer_index where {where} limit {limit}) m", accountIds, text);
        return Convert.ToInt32(await count.ExecuteScalarAsync());
    }

    // Customers with a friendship (an arrival), of the viewer's accounts, whose text holds what was typed. Each
    // combination is its own statement (four in all), so each keeps the plan that suits it: the arrival index for
    // everyone, the accounts index for a team, the text index for a search.
    internal static string Where(IReadOnlyCollection<string>? accountIds, string text) =>
        "first_added_at is not null"
        + (accountIds is null ? "" : " and accounts && $1")
        + (text.Trim().Length == 0 ? "" : " and (search_text || ' ' || link_text) ilike $2");

    private NpgsqlCommand Command(string sql, IReadOnlyCollection<string>? accountIds, string text)
    {
        var cmd = db.CreateCommand(sql);
        AddParameters(cmd, accountIds, text);
        return cmd;
    }

    // Parameters of Where: $1 the accounts (when filtered), $2 the pattern (when searching); unused ones are left out.
    internal static void AddParameters(NpgsqlCommand cmd, IReadOnlyCollection<string>? accountIds, string text)
    {
        // The text is matched literally: % and _ typed by a person are not wildcards.
        var pattern = "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        cmd.Parameters.Add(new() { Value = accountIds?.ToArray() ?? [] });
        cmd.Parameters.Add(new() { Value = pattern });
    }
}
