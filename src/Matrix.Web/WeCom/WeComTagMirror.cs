using System.Text.Json.Nodes;
using Matrix.Domain.WeCom;
using Matrix.Grains;
using Matrix.Grains.Customers;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="Conflict">null when mirrored as <paramref name="TagId"/>; name_elsewhere (the corp has the name in group <paramref name="Detail"/>), renamed (to <paramref name="Detail"/> in WeCom), deleted (in WeCom), refused (WeCom's error in <paramref name="Detail"/>).</param>
public sealed record WeComTagView(string CorpId, string Dimension, string Tag, string? TagId, string? Conflict, string? Detail, DateTimeOffset SyncedAt);

/// <summary>
/// Matrix's managed tag list as a corp's tags (Migrations/0011): each dimension a tag group of its name, each tag a
/// tag in it, made with <c>add_corp_tag</c> when the corp lacks it and adopted when the group already has it. What
/// the corp's admins did to a mirrored tag in WeCom's console (renamed, deleted), and a name the corp uses in
/// another group, is reported as a conflict and left as it is: Matrix never renames, moves or deletes a corp's tag,
/// and marks customers only with tags that mirror cleanly.
/// </summary>
public sealed class WeComTagMirror(NpgsqlDataSource db, IGrainFactory grains, WeComClient client, StoreClock clock)
{
    private const string Api = "/cgi-bin/externalcontact/";

    private sealed record CorpTag(string GroupId, string GroupName, string Id, string Name);

    /// <summary>Mirrors the list once; returns WeCom's answer when a call failed for a reason beyond one tag (the next sync tries again), null when done.</summary>
    public async Task<WeComAnswer?> SyncAsync(WeComCorp corp)
    {
        var listed = await client.TryPostAsync(corp.App, Api + "get_corp_tag_list", new { });
        if (!listed.Ok) return listed;
        var corpTags = new List<CorpTag>();
        foreach (var group in listed.Body["tag_group"]?.AsArray() ?? [])
            foreach (var tag in group!["tag"]?.AsArray() ?? [])
                corpTags.Add(new(Text(group, "group_id"), Text(group, "group_name"), Text(tag!, "id"), Text(tag!, "name")));

        var before = (await ListAsync(corp.App.CorpId)).ToDictionary(r => (r.Dimension, r.Tag));
        var catalog = await grains.Get<ITagCatalogGrain>(TagCatalogGrain.Key).Get();
        foreach (var (dimension, tags) in catalog.Dimensions)
            foreach (var tag in tags)
            {
                (string? Id, string? Conflict, string? Detail) outcome;
                if (before.GetValueOrDefault((dimension, tag))?.TagId is { } id)
                    outcome = corpTags.FirstOrDefault(t => t.Id == id) switch
                    {
                        null => (id, "deleted", null),
                        { Name: var name } when name != tag => (id, "renamed", name),
                        _ => (id, null, null),
                    };
                else if (corpTags.FirstOrDefault(t => t.GroupName == dimension && t.Name == tag) is { } adopted) outcome = (adopted.Id, null, null);
                else if (corpTags.FirstOrDefault(t => t.Name == tag) is { } elsewhere) outcome = (null, "name_elsewhere", elsewhere.GroupName);
                else
                {
                    // Into the dimension's group when the corp has it (by id: a name would make a second group of that name).
                    var groupId = corpTags.FirstOrDefault(t => t.GroupName == dimension)?.GroupId;
                    object body = groupId is null ? new { group_name = dimension, tag = new[] { new { name = tag } } } : new { group_id = groupId, tag = new[] { new { name = tag } } };
                    var added = await client.TryPostAsync(corp.App, Api + "add_corp_tag", body);
                    if (added.Ok && added.Body["tag_group"] is { } group && group["tag"]?.AsArray() is [{ } made, ..])
                    {
                        corpTags.Add(new(Text(group, "group_id"), Text(group, "group_name"), Text(made, "id"), tag));
                        outcome = (Text(made, "id"), null, null);
                    }
                    else if (WeComFailures.Classify(added.ErrCode) == WeComFailureKind.Refused) outcome = (null, "refused", $"{added.ErrCode} {added.ErrMsg}");
                    else return added;
                }
                await SaveAsync(corp.App.CorpId, dimension, tag, outcome);
            }
        await ForgetUnlistedAsync(corp.App.CorpId, [.. catalog.Dimensions.SelectMany(d => d.Value.Select(t => d.Key + "\u0001" + t))]);
        return null;
    }

    /// <summary>Matrix's tags that mirror cleanly on the corp, by name, and the same by WeCom's tag id.</summary>
    public async Task<(IReadOnlyDictionary<string, string> IdOf, IReadOnlyDictionary<string, string> TagOf)> MappedAsync(string corpId)
    {
        var clean = (await ListAsync(corpId)).Where(r => r.Conflict is null && r.TagId is not null).ToList();
        return (clean.ToDictionary(r => r.Tag, r => r.TagId!, StringComparer.Ordinal), clean.ToDictionary(r => r.TagId!, r => r.Tag, StringComparer.Ordinal));
    }

    public async Task<IReadOnlyList<WeComTagView>> ListAsync(string? corpId = null)
    {
        await using var cmd = db.CreateCommand("""
            select corp_id, dimension, tag, tag_id, conflict, detail, synced_at from wecom_tags where $1::text is null or corp_id = $1
             order by corp_id, conflict is null, dimension, tag
            """);
        cmd.Parameters.Add(new() { Value = (object?)corpId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<WeComTagView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetFieldValue<DateTimeOffset>(6)));
        return list;
    }

    private async Task SaveAsync(string corpId, string dimension, string tag, (string? Id, string? Conflict, string? Detail) outcome)
    {
        await using var cmd = db.CreateCommand("""
            insert into wecom_tags (corp_id, dimension, tag, tag_id, conflict, detail, synced_at) values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (corp_id, dimension, tag) do update set tag_id = $4, conflict = $5, detail = $6, synced_at = $7
            """);
        foreach (var value in new object?[] { corpId, dimension, tag, outcome.Id, outcome.Conflict, outcome.Detail, clock.UtcNow.ToUniversalTime() })
            cmd.Parameters.Add(new() { Value = value ?? DBNull.Value, NpgsqlDbType = value is DateTimeOffset ? NpgsqlTypes.NpgsqlDbType.TimestampTz : NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    // A tag taken off Matrix's list is no longer mirrored (the corp keeps its tag: Matrix deletes none).
    private async Task ForgetUnlistedAsync(string corpId, string[] listed)
    {
        await using var cmd = db.CreateCommand("delete from wecom_tags where corp_id = $1 and not (dimension || chr(1) || tag = any($2))");
        cmd.Parameters.Add(new() { Value = corpId });
        cmd.Parameters.Add(new() { Value = listed });
        await cmd.ExecuteNonQueryAsync();
    }

    private static string Text(JsonNode node, string name) => node[name]?.GetValue<string>() ?? "";
}
