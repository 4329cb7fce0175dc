using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Runtime.Notifications;

/// <summary>One state write as other nodes hear of it.</summary>
internal readonly record struct StateAnnouncement(string Type, string Key, long Version);

/// <summary>
/// Tells other nodes which grain states this node wrote. A NOTIFY inside each write transaction would serialise
/// every commit on PostgreSQL's notify lock (measured: a third of the write rate), so writes only enqueue here and
/// this loop sends whatever has piled up as a few batched NOTIFYs. Correctness never depends on it (the version
/// check refuses stale writes); it only shortens how long another node may answer from an old copy.
/// </summary>
internal sealed class StatePublisher(NpgsqlDataSource db, IOptions<GrainRuntimeOptions> options) : BackgroundService
{
    public const string ChannelName = "matrix_state";

    // PostgreSQL's payload limit is 8000 bytes; stay under it with room for the JSON framing.
    private const int MaxPayloadBytes = 7_000;

    private readonly Channel<StateAnnouncement> _queue = Channel.CreateUnbounded<StateAnnouncement>(new() { SingleReader = true });
    private readonly string _nodeId = options.Value.NodeId;
    private readonly bool _enabled = options.Value.PublishStateChanges;

    public void Publish(StateAnnouncement announcement)
    {
        if (_enabled) _queue.Writer.TryWrite(announcement);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new List<StateAnnouncement>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_queue.Reader.TryRead(out var a)) pending.Add(a);
                try
                {
                    await SendAsync(pending, stoppingToken);
                    pending.Clear();
                }
                catch (NpgsqlException)
                {
                    // The database is unreachable: keep the announcements and try again shortly.
                    await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(List<StateAnnouncement> announcements, CancellationToken cancellationToken)
    {
        await using var batch = db.CreateBatch();
        foreach (var payload in Payloads(announcements))
        {
            var cmd = new NpgsqlBatchCommand($"select pg_notify('{ChannelName}', $1)");
            cmd.Parameters.Add(new() { Value = payload });
            batch.BatchCommands.Add(cmd);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Payload: {"n": node, "w": [[type, key, version], ...]}, split to stay under the size limit.</summary>
    private IEnumerable<string> Payloads(List<StateAnnouncement> announcements)
    {
        // Only the newest version of each grain matters.
        var latest = announcements.GroupBy(a => (a.Type, a.Key)).Select(g => g.MaxBy(a => a.Version));
        var chunk = new List<object[]>();
        var size = 0;
        foreach (var a in latest)
        {
            var entrySize = Encoding.UTF8.GetByteCount(a.Type) + Encoding.UTF8.GetByteCount(a.Key) + 32;
            if (chunk.Count > 0 && size + entrySize > MaxPayloadBytes)
            {
                yield return Serialize(chunk);
                chunk = [];
                size = 0;
            }
            chunk.Add([a.Type, a.Key, a.Version]);
            size += entrySize;
        }
        if (chunk.Count > 0) yield return Serialize(chunk);
    }

    private string Serialize(List<object[]> writes) => JsonSerializer.Serialize(new { n = _nodeId, w = writes });

    /// <summary>Reads a payload sent by any node (including this one; the caller skips its own).</summary>
    public static (string Node, List<StateAnnouncement> Writes)? Parse(string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var node = doc.RootElement.GetProperty("n").GetString() ?? "";
            var writes = doc.RootElement.GetProperty("w").EnumerateArray()
                .Select(w => new StateAnnouncement(w[0].GetString()!, w[1].GetString()!, w[2].GetInt64())).ToList();
            return (node, writes);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }
}
