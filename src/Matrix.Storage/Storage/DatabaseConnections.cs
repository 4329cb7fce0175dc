using System.Data.Common;
using Npgsql;

namespace Matrix.Storage;

/// <summary>
/// The node's one pool of PostgreSQL connections. Three defaults differ from Npgsql's, each kept only when the
/// connection string does not set it:
/// <list type="bullet">
/// <item><c>No Reset On Close</c> on. By default a pooled connection is reset when handed out again, and that reset
/// (DISCARD ALL, or its parts) also throws away the cached plans of the ledger's PL/pgSQL functions, so every call
/// planned its statements afresh. Matrix leaves no session state on a pooled connection: no SET, only
/// transaction-scoped advisory locks, no temporary tables, and LISTEN only on <see cref="ListenConnection"/>s,
/// which undo it before going back to the pool.</item>
/// <item><c>Max Auto Prepare</c> 64: statements run often (every statement here is a constant string with
/// parameters) are prepared on each connection, so PostgreSQL parses and plans them once per connection.</item>
/// <item><c>Options</c> <c>-c jit=off</c>. PostgreSQL compiles a statement whose estimated cost passes
/// <c>jit_above_cost</c>, and the reports' statements over every account estimate high while reading a few
/// thousand index entries: compiling (50 to 350 ms) cost more than running them. Matrix has no statement long
/// enough to repay it.</item>
/// </list>
/// Measured in docs/benchmarks.md: the first two together took scan-and-confirm pairs from a quarter to about 40% of
/// the raw single-row update rate; the third took an admin's churn per touch at a million customers from 604 to 252 ms.
/// </summary>
public static class DatabaseConnections
{
    public const int DefaultMaxAutoPrepare = 64;

    public const string DefaultOptions = "-c jit=off";

    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = Keywords(connectionString);
        if (!given.Contains("noresetonclose")) builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (!given.Contains("maxautoprepare")) builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        if (!given.Contains("options")) builder.ConnectionStringBuilder.Options = DefaultOptions;
        return builder.Build();
    }

    // Npgsql's own builder answers ContainsKey for every keyword it knows, set or not; the plain one lists what was written.
    private static HashSet<string> Keywords(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()).ToHashSet();
}
