using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Npgsql;

namespace Matrix.Storage.Embedded;

/// <summary>Where the private PostgreSQL keeps its files and how it runs.</summary>
public sealed class EmbeddedPostgresOptions
{
    /// <summary>Folder of its own: pgdata/, the generated password and the server log live here. Kept between runs.</summary>
    public required string Directory { get; init; }

    /// <summary>Database created for Matrix on first start. Default "matrix".</summary>
    public string Database { get; init; } = "matrix";

    /// <summary>
    /// False trades crash safety for speed (fsync and synchronous commit off): for throw-away test instances only.
    /// Default true.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>Delete <see cref="Directory"/> when the instance stops (test instances). Default false.</summary>
    public bool DeleteOnStop { get; init; }

    /// <summary>Folder holding initdb, pg_ctl and postgres. Default: MATRIX_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH.</summary>
    public string? BinDirectory { get; init; }
}

/// <summary>
/// A private PostgreSQL started from the machine's own binaries: initdb on first use, then pg_ctl on a free
/// loopback port with a generated password. No Unix socket, no remote listener. When a previous run left it
/// running, it is reused as it is (and left running) instead of started twice.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string SuperUser = "matrix";
    private readonly EmbeddedPostgresOptions _options;
    private readonly string _bin;
    private readonly bool _ownsServer;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, string bin, int port, string password, bool ownsServer)
    {
        _options = options;
        _bin = bin;
        _ownsServer = ownsServer;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = SuperUser, Password = password, Database = options.Database,
            MaxPoolSize = 200,
        }.ConnectionString;
    }

    public int Port { get; }

    public string ConnectionString { get; }

    private string DataDirectory => Path.Combine(_options.Directory, "pgdata");

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, CancellationToken cancellationToken = default)
    {
        var bin = options.BinDirectory ?? FindBinDirectory();
        System.IO.Directory.CreateDirectory(options.Directory);
        var data = Path.Combine(options.Directory, "pgdata");
        var passwordFile = Path.Combine(options.Directory, "password");

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            await File.WriteAllTextAsync(passwordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), cancellationToken);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await GiveToServerUserAsync(options.Directory, cancellationToken);
            await RunAsync(bin, "initdb", ["-D", data, "-U", SuperUser, "--pwfile", passwordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"], cancellationToken);
            var settings = """

                # Written by Matrix: loopback TCP only, no Unix socket (its default folder may not exist or be writable).
                listen_addresses = '127.0.0.1'
                unix_socket_directories = ''
                max_connections = 300
                """;
            if (!options.Durable) settings += "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
            await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), settings, cancellationToken);
        }
        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();

        var running = await RunningPortAsync(bin, data, cancellationToken);
        var port = running ?? FreePort();
        if (running is null)
            await RunAsync(bin, "pg_ctl", ["start", "-w", "-t", "120", "-D", data, "-l", Path.Combine(options.Directory, "postgres.log"), "-o", $"-p {port}"], cancellationToken);

        var server = new EmbeddedPostgres(options, bin, port, password, ownsServer: running is null);
        await server.CreateDatabaseAsync(cancellationToken);
        return server;
    }

    /// <summary>Stops the server now (fast shutdown: connections are cut), keeping its data: an outage.</summary>
    public Task StopAsync() => RunAsync(_bin, "pg_ctl", ["stop", "-m", "fast", "-w", "-D", DataDirectory], CancellationToken.None);

    /// <summary>Starts a stopped server again, on the same port, so clients holding its connection string find it.</summary>
    public Task StartAgainAsync() =>
        RunAsync(_bin, "pg_ctl", ["start", "-w", "-t", "120", "-D", DataDirectory, "-l", Path.Combine(_options.Directory, "postgres.log"), "-o", $"-p {Port}"], CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (!_ownsServer) return;
        await RunAsync(_bin, "pg_ctl", ["stop", "-m", "fast", "-w", "-D", DataDirectory], CancellationToken.None);
        if (_options.DeleteOnStop) System.IO.Directory.Delete(_options.Directory, recursive: true);
    }

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
        exists.Parameters.Add(new() { Value = _options.Database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"create database \"{_options.Database.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The port of a server already running on this data folder (left by a run that did not stop it), if any.</summary>
    private static async Task<int?> RunningPortAsync(string bin, string data, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var (code, _) = await RunCoreAsync(bin, "pg_ctl", ["status", "-D", data], cancellationToken);
        if (code != 0) return null;
        var lines = await File.ReadAllLinesAsync(pidFile, cancellationToken);
        return lines.Length > 3 && int.TryParse(lines[3], out var port) ? port : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("MATRIX_PG_BIN") is { Length: > 0 } fromEnv) return fromEnv;
        var debian = new DirectoryInfo("/usr/lib/postgresql");
        if (debian.Exists)
        {
            var newest = debian.GetDirectories()
                .Where(d => int.TryParse(d.Name, out _) && File.Exists(Path.Combine(d.FullName, "bin", "initdb")))
                .OrderByDescending(d => int.Parse(d.Name)).FirstOrDefault();
            if (newest is not null) return Path.Combine(newest.FullName, "bin");
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "initdb"))) return dir;
        throw new InvalidOperationException(
            "PostgreSQL's binaries (initdb, pg_ctl) were not found. Install them (apt-get install postgresql), set MATRIX_PG_BIN, or give Matrix a server with ConnectionStrings__Matrix.");
    }

    // PostgreSQL refuses to run as root, so as root the server runs as the 'postgres' account the Debian package creates.
    private static bool IsRoot => OperatingSystem.IsLinux() && geteuid() == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    private static async Task GiveToServerUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsRoot) return;
        var (code, output) = await RunProcessAsync("chown", ["-R", "postgres:postgres", directory], cancellationToken);
        if (code != 0) throw new InvalidOperationException($"Could not give {directory} to the postgres user (needed when running as root): {output}");
    }

    private static async Task RunAsync(string bin, string tool, string[] args, CancellationToken cancellationToken)
    {
        var (code, output) = await RunCoreAsync(bin, tool, args, cancellationToken);
        if (code != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed with exit code {code}:\n{output}");
    }

    private static Task<(int Code, string Output)> RunCoreAsync(string bin, string tool, string[] args, CancellationToken cancellationToken) =>
        IsRoot
            ? RunProcessAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. args], cancellationToken)
            : RunProcessAsync(Path.Combine(bin, tool), args, cancellationToken);

    private static async Task<(int Code, string Output)> RunProcessAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        // pg_ctl points the server's own output at the log file (-l), so these pipes close when the tool exits.
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
