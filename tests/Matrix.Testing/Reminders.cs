using Npgsql;

namespace Matrix.Testing;

/// <summary>
/// Reminder ticks on a test's business clock. Orleans's reminder service keeps the reminders in its table and fires
/// them by timers on that clock; a test that jumps the clock by months would have to step it minute by minute to
/// see them fire. Instead, after a jump the test delivers every reminder the table says is due, through the grain's
/// <c>IRemindable</c> interface exactly as the reminder service calls it, and repeats while the grains set new
/// ticks that are due by then. The grains treat a tick delivered twice as once, so a tick the service also fires
/// is harmless, as it is in production when a silo dies mid-delivery.
/// </summary>
public static class Reminders
{
    /// <summary>Reminder rows of the cluster's table, optionally by name.</summary>
    public static async Task<List<(string Grain, string Name, DateTimeOffset Due)>> ListAsync(string connectionString, string? name = null)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        return await ListAsync(db, name);
    }

    public static async Task<List<(string Grain, string Name, DateTimeOffset Due)>> ListAsync(NpgsqlDataSource db, string? name = null)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            "select grainid, remindername, starttime from orleansreminderstable where $1::text is null or remindername = $1 order by grainid, remindername", connection);
        cmd.Parameters.Add(new() { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(string, string, DateTimeOffset)>();
        while (await r.ReadAsync()) list.Add((r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)));
        return list;
    }

    /// <summary>Delivers, once, every reminder due at <paramref name="now"/>; returns how many.</summary>
    public static async Task<int> DeliverOnceAsync(IGrainFactory grains, string connectionString, DateTimeOffset now)
    {
        var due = (await ListAsync(connectionString)).Where(r => r.Due <= now).ToList();
        foreach (var (grain, name, start) in due)
            await grains.GetGrain<IRemindable>(GrainId.Parse(grain)).ReceiveReminder(name, new TickStatus(start.UtcDateTime, TimeSpan.FromMinutes(1), now.UtcDateTime));
        return due.Count;
    }

    /// <summary>Delivers what is due at <paramref name="now"/> until nothing more falls due (at most <paramref name="rounds"/> rounds); returns how many.</summary>
    public static async Task<int> DeliverDueAsync(IGrainFactory grains, string connectionString, DateTimeOffset now, int rounds = 10)
    {
        var total = 0;
        for (var i = 0; i < rounds; i++)
        {
            var delivered = await DeliverOnceAsync(grains, connectionString, now);
            if (delivered == 0) break;
            total += delivered;
        }
        return total;
    }
}
