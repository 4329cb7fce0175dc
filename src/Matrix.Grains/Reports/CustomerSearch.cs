using Npgsql;

namespace Matrix.Grains.Reports;

/// <summary>A customer found by a search, with where and when they arrived.</summary>
public sealed record CustomerHit(string Id, string? DisplayName, string? Phone, DateTimeOffset FirstAddedAt, string? Channel);

/// <summary>Customer search: by WeChat ID, or anything in the profile (name, remark, phone, attributes, tags), over some accounts.</summary>
public sealed class CustomerSearch(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<CustomerHit>> FindAsync(IReadOnlyCollection<string> accountIds, string text, int limit = 50)
    {
        await using var cmd = db.CreateCommand("""
            select f.external_id, c.display_name, c.phone, min(f.added_at),
                   (array_agg(f.channel_id order by f.added_at))[1]
              from account_friends f
              left join customer_index c on c.id = f.external_id
             where f.account_id = any($1)
               and ($2 = '' or f.external_id ilike $3 or c.search_text ilike $3 or array_to_string(f.channel_tags, ' ') ilike $3)
             group by f.external_id, c.display_name, c.phone
             order by min(f.added_at) desc
             limit $4
            """);
        // The text is matched literally: % and _ typed by a person are not wildcards.
        var pattern = "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        cmd.Parameters.Add(new() { Value = accountIds.ToArray() });
        cmd.Parameters.Add(new() { Value = text.Trim() });
        cmd.Parameters.Add(new() { Value = pattern });
        cmd.Parameters.Add(new() { Value = limit });
        await using var r = await cmd.ExecuteReaderAsync();
        var hits = new List<CustomerHit>();
        while (await r.ReadAsync())
            hits.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.IsDBNull(4) ? null : r.GetString(4)));
        return hits;
    }
}
