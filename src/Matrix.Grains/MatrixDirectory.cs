using System.Text.Json;
using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Capacity;
using Matrix.Storage.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Grains;

public sealed record PersonaEntry(string Id, PersonaDetails Details);

public sealed record AccountEntry(string Id, AccountProfile Profile, LedgerRow Ledger);

public sealed record ChannelEntry(string Id, ChannelDefinition Definition);

/// <summary>
/// Lists across grains, read from the directory rows the grains write after their state (Migrations/0006_directory.sql):
/// a grain is the way to change one thing; a list of many is a query.
/// </summary>
public sealed class MatrixDirectory(NpgsqlDataSource db, StoreClock clock, Changes.ChangeFeed changes, IOptions<MatrixOptions> options)
{
    // Every friend added, purchase and reply asks which plans exist; plans change a few times a week. The list is
    // kept until a plan is written (here or, announced, on another node) or the cache's age runs out.
    private readonly Changes.ChangeCache<IReadOnlyList<FollowUps.PlanEntry>> _plans = new(changes, Changes.ChangeTopics.Plans, clock.Time, options.Value.ListCacheMaxAge);

    // Profiles change rarely and are read on every scan: keep each one deserialised per version, and ask the
    // database for the JSON only of rows whose version this node has not seen.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Version, AccountProfile Profile)> _profiles = new();

    public async Task<IReadOnlyList<PersonaEntry>> PersonasAsync() =>
        (await ReadAsync<PersonaDetails>("persona")).Select(p => new PersonaEntry(p.Id, p.Doc)).ToList();

    public Task<IReadOnlyList<FollowUps.PlanEntry>> PlansAsync() => _plans.GetAsync(ReadPlansAsync);

    private async Task<IReadOnlyList<FollowUps.PlanEntry>> ReadPlansAsync() =>
        (await ReadAsync<Domain.FollowUps.FollowUpPlan>("plan")).Select(p => new FollowUps.PlanEntry(p.Id, p.Doc)).ToList();

    public async Task<IReadOnlyList<ChannelEntry>> ChannelsAsync() =>
        (await ReadAsync<ChannelDefinition>("channel")).Select(c => new ChannelEntry(c.Id, c.Doc)).ToList();

    /// <summary>
    /// Accounts with their counters; filter by persona, role or status (each optional), or by id list. The profiles
    /// returned are shared by callers on this node: read them, never change them (changes go through the grain).
    /// </summary>
    public async Task<IReadOnlyList<AccountEntry>> AccountsAsync(string? personaId = null, AccountRole? role = null, AccountStatus? status = null, IReadOnlyCollection<string>? ids = null)
    {
        var where = new List<string>();
        var args = new List<object>();
        void Add(string condition, object value)
        {
            args.Add(value);
            where.Add(condition.Replace("$?", $"${args.Count + 1}"));
        }
        if (personaId is not null) Add("d.doc->>'personaId' = $?", personaId);
        if (role is not null) Add("d.doc->>'role' = $?", role.Value.ToString());
        if (status is not null) Add("d.doc->>'status' = $?", status.Value.ToString());
        if (ids is not null) Add("d.id = any($?)", ids.ToArray());

        var cached = _profiles.ToArray();
        var cacheParameter = args.Count + 2;
        await using var cmd = db.CreateCommand($"""
            select d.id, d.version,
                   case when (d.id, d.version) in (select * from unnest(${cacheParameter}::text[], ${cacheParameter + 1}::bigint[])) then null else d.doc::text end,
                   l.hard_cap, l.friends, l.reserved, case when l.added_day = $1 then l.added_today else 0 end
              from directory d join account_ledger l on l.account_id = d.id
             where d.kind = 'account' {string.Concat(where.Select(w => " and " + w))}
             order by d.id
            """);
        cmd.Parameters.Add(new() { Value = clock.Today });
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        cmd.Parameters.Add(new() { Value = cached.Select(c => c.Key).ToArray() });
        cmd.Parameters.Add(new() { Value = cached.Select(c => c.Value.Version).ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<AccountEntry>();
        while (await reader.ReadAsync())
        {
            var (id, version) = (reader.GetString(0), reader.GetInt64(1));
            AccountProfile? profile;
            if (reader.IsDBNull(2)) profile = _profiles[id].Profile;
            else
            {
                profile = JsonSerializer.Deserialize<AccountProfile>(reader.GetString(2), StateSerializer.Options);
                if (profile is null) continue;
                _profiles[id] = (version, profile);
            }
            list.Add(new(id, profile, new LedgerRow(id, reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6))));
        }
        return list;
    }

    private async Task<List<(string Id, T Doc)>> ReadAsync<T>(string kind)
    {
        await using var cmd = db.CreateCommand("select id, doc::text from directory where kind = $1 order by id");
        cmd.Parameters.Add(new() { Value = kind });
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<(string, T)>();
        while (await reader.ReadAsync())
            if (JsonSerializer.Deserialize<T>(reader.GetString(1), StateSerializer.Options) is { } doc) list.Add((reader.GetString(0), doc));
        return list;
    }
}
