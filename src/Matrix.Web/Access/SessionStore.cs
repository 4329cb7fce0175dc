using System.Collections.Concurrent;
using Npgsql;

namespace Matrix.Web.Access;

/// <summary>What a session may do right now: nothing (ended, or its operator disabled), only set a new password, or its role's work.</summary>
public enum SessionState { Ended, MustChangePassword, Active }

/// <summary>
/// Sign-in sessions (Migrations/0003_sessions.sql). Each node remembers a session's state for at most
/// <see cref="CheckEvery"/>, so a request costs no query most of the time and an ended session stops working on every
/// node within that time; the node that ends a session forgets it at once.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource db, Matrix.Grains.StoreClock clock)
{
    /// <summary>How long a node trusts what it last read of a session. Default 3 s.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<Guid, (SessionState State, DateTimeOffset ReadAt)> _seen = new();

    public async Task<Guid> StartAsync(string userName, string client)
    {
        var id = Guid.NewGuid();
        await using var cmd = db.CreateCommand("insert into operator_sessions (id, user_name, started_at, client) values ($1, $2, $3, $4)");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = userName });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = client.Length > 64 ? client[..64] : client });
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    public async Task<SessionState> StateAsync(Guid id)
    {
        var now = DateTimeOffset.UtcNow;
        if (_seen.TryGetValue(id, out var seen) && now - seen.ReadAt < CheckEvery) return seen.State;
        await using var cmd = db.CreateCommand("""
            select case when s.ended_at is not null or o.disabled_at is not null then 0 when o.must_change_password then 1 else 2 end
              from operator_sessions s join operators o on o.user_name = s.user_name
             where s.id = $1
            """);
        cmd.Parameters.Add(new() { Value = id });
        var state = await cmd.ExecuteScalarAsync() is int value ? (SessionState)value : SessionState.Ended;
        _seen[id] = (state, now);
        return state;
    }

    /// <summary>Ends one session.</summary>
    public Task EndAsync(Guid id) => EndWhereAsync("id = $1", id);

    /// <summary>Ends every session of <paramref name="userName"/> but <paramref name="keep"/> (a password change keeps the one that made it).</summary>
    public Task EndAllAsync(string userName, Guid? keep = null) =>
        keep is { } k ? EndWhereAsync("user_name = $1 and id <> $2", userName, k) : EndWhereAsync("user_name = $1", userName);

    /// <summary>Forget what this node read of every session (a change that affects sessions was made here).</summary>
    public void Forget() => _seen.Clear();

    private async Task EndWhereAsync(string where, params object[] args)
    {
        await using var cmd = db.CreateCommand($"update operator_sessions set ended_at = $0 where ended_at is null and {where}".Replace("$0", $"${args.Length + 1}"));
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
        Forget();
    }
}
