using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Matrix.Testing;

/// <summary>
/// Matrix as a real process (`dotnet Matrix.Web.dll`, the build ops/run.sh runs), on a given database and a free
/// loopback port: what an operator starts on each node. Killing it is a real SIGKILL.
/// </summary>
public sealed partial class MatrixProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private MatrixProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    private readonly System.Diagnostics.Stopwatch _running = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>How long ago the process was started.</summary>
    public TimeSpan SinceStart => _running.Elapsed;

    public IEnumerable<string> Output => _output;

    /// <summary>The one-time password the first node prints for 'admin' on an empty database.</summary>
    public string? FirstAdminPassword => _output.Select(l => FirstStart().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    public static async Task<MatrixProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? healthyWithin = null)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo("dotnet", [AppDll(), "--urls", url])
        {
            WorkingDirectory = Path.GetDirectoryName(AppDll())!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__Matrix"] = connectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var node = new MatrixProcess(process, url);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await node.WaitHealthyAsync(healthyWithin ?? TimeSpan.FromSeconds(120));
        }
        catch
        {
            // A node that never came up is not left running for the rest of the suite.
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var limit = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Matrix exited with {_process.ExitCode}:\n{string.Join('\n', _output)}");
            try
            {
                if ((await http.GetAsync(Url + "/health")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > limit) throw new TimeoutException($"Matrix did not become healthy:\n{string.Join('\n', _output)}");
            await Task.Delay(100);
        }
    }

    /// <summary>The process's resident memory now and at its peak (Linux: VmRSS and VmHWM), in bytes.</summary>
    public (long Now, long Peak) ResidentMemory()
    {
        long Read(string[] lines, string key) => long.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0]) * 1024;
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        return (Read(status, "VmRSS:"), Read(status, "VmHWM:"));
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (_disposed) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private bool _disposed;

    /// <summary>Kills the process. Idempotent: a test's finally may dispose a node already disposed without hiding the test's own failure.</summary>
    public ValueTask DisposeAsync()
    {
        if (_disposed) return ValueTask.CompletedTask;
        _disposed = true;
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The Matrix.Web build next to the caller's build (same configuration), as ops/test.sh builds the solution and ops/bench.sh the app.</summary>
    private static string AppDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name; // bin/{configuration}/net10.0
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Matrix.sln"))) root = root.Parent;
        var dll = Path.Combine(root!.FullName, "src", "Matrix.Web", "bin", configuration, "net10.0", "Matrix.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first (ops/test.sh does)", dll);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("one-time password (\\S+)")]
    private static partial Regex FirstStart();
}
