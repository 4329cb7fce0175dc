using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>A customer found by a search, with where and when they arrived.</summary>
public sealed record CustomerHit(string Id, string? DisplayName, string? Phone, DateTimeOffset FirstAddedAt, string? Channel);

/// <summary>One page of a search and how many customers matched in all.</summary>
public sealed record CustomerHits(IReadOnlyList<CustomerHit> Hits, int Total);

/// <summary>Customer search: by WeChat ID, or anything in the profile (name, remark, phone, attributes, tags), over some accounts.</summary>
public sealed class CustomerSearch(NpgsqlDataSource db)
{
    // The newest arrivals first; the WeChat ID breaks ties so pages never overlap or skip.
    private const string Matches = """
          from account_friends f
          left join customer_index c on c.id = f.external_id
         where f.account_id = any($1)
           and ($2 = '' or f.external_id ilike $3 or c.search_text ilike $3 or array_to_string(f.channel_tags, ' ') ilike $3)
        """;

    /// <summary>The page starting at <paramref name="skip"/>, and the number of customers matching.</summary>
    public async Task<CustomerHits> PageAsync(IReadOnlyCollection<string> accountIds, string text, int skip, int take)
    {
        var hits = new List<CustomerHit>();
        await using (var cmd = Command($"""
            select f.external_id, c.display_name, c.phone, min(f.added_at), (array_agg(f.channel_id order by f.added_at))[1]
            {Matches}
             group by f.external_id, c.display_name, c.phone
             order by min(f.added_at) desc, f.external_id
             offset $4 limit $5
            """, accountIds, text))
        {
            cmd.Parameters.Add(new() { Value = skip });
            cmd.Parameters.Add(new() { Value = take });
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                hits.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.IsDBNull(4) ? null : r.GetString(4)));
        }
        await using var total = Command($"select count(distinct f.external_id) {Matches}", accountIds, text);
        return new(hits, Convert.ToInt32(await total.ExecuteScalarAsync()));
    }

    private NpgsqlCommand Command(string sql, IReadOnlyCollection<string> accountIds, string text)
    {
        var cmd = db.CreateCommand(sql);
        // The text is matched literally: % and _ typed by a person are not wildcards.
        var pattern = "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = text.Trim() });
        cmd.Parameters.Add(new() { Value = pattern });
        return cmd;
    }
}
