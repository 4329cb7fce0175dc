using System.Security.Claims;
using Matrix.Domain.Channels;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Web.Access;

namespace Matrix.Web.ConsoleModel;

/// <summary>A live code as the console shows it: its pool, what a scan would meet right now, and its scans.</summary>
public sealed record ChannelRow(string Id, ChannelDefinition Definition, string PoolName, ChannelRoom Room, long Scans, long FullScans)
{
    /// <summary>Every account of the pool is full (a pool with no accounts is told apart: <see cref="ChannelRoom.NoAccounts"/>).</summary>
    public bool Full => Room == ChannelRoom.Full;

    public string LiveCodeUrl => LiveCodeUrlOf(Id);

    /// <summary>The public page a printed QR code opens.</summary>
    public static string LiveCodeUrlOf(string channelId) => $"/c/{Uri.EscapeDataString(channelId)}";
}

/// <summary>Channels (live codes) for the console: listed as the viewer may see them, made by admins and leads.</summary>
public sealed class ChannelDesk(IGrainFactory grains, MatrixDirectory directory, AccessService access, LiveCodeService liveCodes, CapacityLedger ledger, TagDesk tags)
{
    /// <summary>
    /// The channels the viewer sees, read in a fixed number of statements whatever their number: the personas they
    /// may see once, every account once (each channel's state is computed from it), every channel's scans once.
    /// </summary>
    public async Task<IReadOnlyList<ChannelRow>> RowsAsync(ClaimsPrincipal user)
    {
        var personas = (await directory.PersonasAsync()).ToDictionary(p => p.Id, p => p.Details.Nickname);
        var channels = await access.VisibleChannelsAsync(user);
        var rooms = await liveCodes.RoomsAsync([.. channels.Select(c => (c.Id, c.Definition))]);
        var stats = await ledger.ChannelStatsAsync([.. channels.Select(c => c.Id)]);
        return [.. channels.Select(c => Row(c, personas, rooms[c.Id], stats.GetValueOrDefault(c.Id)))];
    }

    /// <summary>One channel the viewer sees, or null.</summary>
    public async Task<ChannelRow?> FindAsync(ClaimsPrincipal user, string id)
    {
        if (!await access.SeesAsync(() => access.ChannelAsync(user, id))) return null;
        if (await grains.Get<IChannelGrain>(id).Get() is not { } definition) return null;
        return await RowAsync(new ChannelEntry(id, definition), (await directory.PersonasAsync()).ToDictionary(p => p.Id, p => p.Details.Nickname));
    }

    public async Task CreateAsync(ClaimsPrincipal user, string id, ChannelDefinition definition)
    {
        await RequirePoolAsync(user, definition);
        await tags.RequireListedAsync(definition.Tags ?? [], "tags");
        await grains.Get<IChannelGrain>(id).Create(definition);
    }

    public async Task UpdateAsync(ClaimsPrincipal user, string id, ChannelDefinition definition)
    {
        await RequirePoolAsync(user, definition);
        await tags.RequireListedAsync(definition.Tags ?? [], "tags");
        await grains.Get<IChannelGrain>(id).Update(definition);
    }

    private async Task<ChannelRow> RowAsync(ChannelEntry c, IReadOnlyDictionary<string, string> personaNames)
    {
        var (scans, fullScans, _) = await ledger.ChannelStatsAsync(c.Id);
        return Row(c, personaNames, await liveCodes.RoomAsync(c.Id), (scans, fullScans));
    }

    private static ChannelRow Row(ChannelEntry c, IReadOnlyDictionary<string, string> personaNames, ChannelRoom room, (long Scans, long FullScans) stats)
    {
        var pool = c.Definition.PersonaId is { } p ? personaNames.GetValueOrDefault(p, p) : c.Definition.Role?.ToString() ?? "";
        return new ChannelRow(c.Id, c.Definition, pool, room, stats.Scans, stats.FullScans);
    }

    /// <summary>A persona's channel is its team's to make; a role-wide channel spans teams, so only admins make one.</summary>
    private async Task RequirePoolAsync(ClaimsPrincipal user, ChannelDefinition definition)
    {
        if (definition.PersonaId is { Length: > 0 } personaId) await access.PersonaFieldAsync(user, personaId, "personaId");
        else if (!AccessService.ViewerOf(user).IsAdmin) throw new AccessDeniedException("a channel on a role's accounts spans teams: only an admin makes one");
    }
}
