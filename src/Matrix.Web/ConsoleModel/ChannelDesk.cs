using System.Security.Claims;
using Matrix.Domain.Channels;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Runtime;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>A live code as the console shows it: its pool, whether it is full right now, and its scans.</summary>
public sealed record ChannelRow(string Id, ChannelDefinition Definition, string PoolName, bool Full, long Scans, long FullScans)
{
    public string LiveCodeUrl => $"/c/{Uri.EscapeDataString(Id)}";
}

/// <summary>Channels (live codes) for the console: listed as the viewer may see them, made by admins and leads.</summary>
public sealed class ChannelDesk(IGrainFactory grains, MatrixDirectory directory, AccessService access, LiveCodeService liveCodes, CapacityLedger ledger)
{
    public async Task<IReadOnlyList<ChannelRow>> RowsAsync(ClaimsPrincipal user)
    {
        var personas = (await directory.PersonasAsync()).ToDictionary(p => p.Id, p => p.Details.Nickname);
        var rows = new List<ChannelRow>();
        foreach (var c in await directory.ChannelsAsync())
        {
            if (!await access.SeesAsync(() => access.ChannelAsync(user, c.Id))) continue;
            var (scans, fullScans, _) = await ledger.ChannelStatsAsync(c.Id);
            var pool = c.Definition.PersonaId is { } p ? personas.GetValueOrDefault(p, p) : c.Definition.Role?.ToString() ?? "";
            rows.Add(new ChannelRow(c.Id, c.Definition, pool, await liveCodes.HasRoomAsync(c.Id) == false, scans, fullScans));
        }
        return rows;
    }

    public async Task CreateAsync(ClaimsPrincipal user, string id, ChannelDefinition definition)
    {
        if (definition.PersonaId is { Length: > 0 } personaId) await access.PersonaFieldAsync(user, personaId, "personaId");
        else if (!AccessService.ViewerOf(user).IsAdmin) throw new AccessDeniedException("a channel on a role's accounts spans teams: only an admin makes one");
        await grains.Get<IChannelGrain>(id).Create(definition);
    }
}
