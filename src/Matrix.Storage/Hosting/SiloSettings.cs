using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Matrix.Storage.Hosting;

/// <summary>How this node takes part in the cluster (configuration section <c>Matrix:Silo</c>).</summary>
public sealed class SiloSettings
{
    /// <summary>Nodes with the same cluster id on one database form one cluster. Default "matrix".</summary>
    public string ClusterId { get; set; } = "matrix";

    /// <summary>Names the stored state and reminders; keep it across deployments. Default "matrix".</summary>
    public string ServiceId { get; set; } = "matrix";

    /// <summary>Port for silo-to-silo traffic. Default 0: a free port chosen at start, so several nodes run on one machine.</summary>
    public int SiloPort { get; set; }

    /// <summary>Port for Orleans clients (Matrix's own pages call in-process and need none). Default 0: a free port.</summary>
    public int GatewayPort { get; set; }

    /// <summary>
    /// The address other nodes reach this one on. Default: loopback, for one machine; set it (or
    /// <see cref="AdvertisedHost"/>) when nodes run on several machines or containers.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>A host name resolved at start to the advertised address (docker-compose's service names).</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>
    /// How long a probe of another node may take. With <see cref="MissedProbesLimit"/> misses a silent node is
    /// suspected, and declared dead once a second node agrees (or at once when it is the only other one). Default
    /// 2 s × 3: a node killed outright is declared dead, and its grains and reminders served elsewhere, in about
    /// 6-8 s; a node merely busy (a stalled GC, a loaded 2-core machine) has 6 s to answer one probe.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes before a node is suspected. Default 3.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Grain-state and reminder-table operations that may use the node's connection pool at once (<see cref="DatabaseGate"/>).
    /// Default 48: well under the pool (Npgsql's Max Pool Size: 100 unless the connection string says otherwise), so
    /// a burst of activations leaves connections for requests and the ledger.
    /// </summary>
    public int StorageConcurrency { get; set; } = 48;

    /// <summary>
    /// How long a grain call, or a grain's activation, may take before it is given up (Orleans's ResponseTimeout and
    /// ActivationTimeout, 30 s by default). Default
    /// 2 minutes: a burst of reminders due at once (a campaign, a node back after an outage) queues its activations
    /// behind <see cref="StorageConcurrency"/>, and a tick that gave up after 30 s would only come back a minute later.
    /// A call to a silo that died fails at once when the cluster declares it dead, whatever this says.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    internal IPAddress ResolveAddress()
    {
        if (AdvertisedAddress is { Length: > 0 } address) return IPAddress.Parse(address);
        if (AdvertisedHost is { Length: > 0 } host)
            return Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        return IPAddress.Loopback;
    }

    /// <summary>The configured port, or a port free right now on this machine.</summary>
    internal static int PortOrFree(int port)
    {
        if (port != 0) return port;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal sealed class SiloSettingsValidator : IValidateOptions<SiloSettings>
{
    public ValidateOptionsResult Validate(string? name, SiloSettings s)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(s.ClusterId)) errors.Add("ClusterId is required.");
        if (string.IsNullOrWhiteSpace(s.ServiceId)) errors.Add("ServiceId is required.");
        if (s.SiloPort is < 0 or > 65535) errors.Add("SiloPort must be 0 (any free port) or a port number.");
        if (s.GatewayPort is < 0 or > 65535) errors.Add("GatewayPort must be 0 (any free port) or a port number.");
        if (s.AdvertisedAddress is { Length: > 0 } a && !IPAddress.TryParse(a, out _)) errors.Add("AdvertisedAddress must be an IP address.");
        if (s.ProbeTimeout <= TimeSpan.Zero) errors.Add("ProbeTimeout must be positive.");
        if (s.MissedProbesLimit < 1) errors.Add("MissedProbesLimit must be at least 1.");
        if (s.StorageConcurrency < 1) errors.Add("StorageConcurrency must be at least 1.");
        if (s.CallTimeout <= TimeSpan.Zero) errors.Add("CallTimeout must be positive.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
