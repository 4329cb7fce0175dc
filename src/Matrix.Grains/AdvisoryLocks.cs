using Npgsql;

namespace Matrix.Grains;

/// <summary>
/// Work done by one node at a time for a key, across every node: a transaction-scoped PostgreSQL advisory lock on
/// (class, hash of the key), held on a connection of its own while the work runs (the work uses other connections).
/// Classes in use: 1301 and 1302 the referral ledger's invitee and inviter, 1303 a join way, 1304 a contact way, 1305 a WeCom app's access token, 1306 sending WeCom's transfers, messages or Moments, 1307 a WeCom corp's full sync.
/// </summary>
public static class AdvisoryLocks
{
    /// <summary>Sending WeCom work (keys "transfers", "messages", "moments"): a task is sent by one node, then recorded.</summary>
    public const int WeComSending = 1306;

    /// <summary>A WeCom corp's full sync (key: the corp id): one node pages through a corp's customers at a time.</summary>
    public const int WeComSync = 1307;

    public static async Task<T> HoldingAsync<T>(NpgsqlDataSource db, int lockClass, string key, Func<Task<T>> work)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("select pg_advisory_xact_lock($1, hashtext($2))", connection, tx))
        {
            cmd.Parameters.Add(new() { Value = lockClass });
            cmd.Parameters.Add(new() { Value = key });
            await cmd.ExecuteNonQueryAsync();
        }
        var result = await work();
        await tx.CommitAsync();
        return result;
    }
}
