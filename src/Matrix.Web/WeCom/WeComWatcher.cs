using System.Collections.Concurrent;
using System.Threading.Channels;
using Matrix.Grains;
using Matrix.Grains.Groups;
using Microsoft.Extensions.Options;

namespace Matrix.Web.WeCom;

/// <summary>
/// Keeps what WeCom lists in step with Matrix, off the callback's path (WeCom wants an answer within 5 seconds): a
/// group whose members changed is counted again and its join way synced; a channel that gained a friend has its
/// contact way's members synced. Each is queued once however many callbacks come meanwhile, so a burst costs a few
/// calls. Work WeCom's rate limit held back is queued again when the block ends. A queue is the node's own; what a
/// stopped node had queued, and any callback missed, is caught by the sweep each <see cref="MatrixOptions.WeComGroupSweep"/>:
/// every way synced, transfers and due message and Moments tasks not yet sent sent, and those waiting asked about.
/// </summary>
public sealed partial class WeComWatcher(WeComGroupCodes groupCodes, WeComContactWays contactWays, WeComTransfers transfers, WeComMessages messages, WeComMoments moments, JoinWayStore joinWays, IOptions<MatrixOptions> options,
    StoreClock clock, ILogger<WeComWatcher> logger) : BackgroundService
{
    private const string Chat = "chat:", Channel = "channel:";
    private readonly Channel<string> _queue = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> _waiting = new();

    /// <summary>The chat's members changed: it is counted again soon (once, if it is already waiting).</summary>
    public void Changed(string chatId) => Queue(Chat + chatId);

    /// <summary>The channel's accounts gained friends: its contact way's members are checked soon.</summary>
    public void ChannelChanged(string channelId) => Queue(Channel + channelId);

    private void Queue(string key)
    {
        if (_waiting.TryAdd(key, 0)) _queue.Writer.TryWrite(key);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweep = SweepAsync(stoppingToken);
        await foreach (var key in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            _waiting.TryRemove(key, out _); // a change from now on queues it again
            try
            {
                if (key.StartsWith(Chat, StringComparison.Ordinal)) await groupCodes.RecountChatAsync(key[Chat.Length..]);
                else if (await contactWays.SyncAsync(key[Channel.Length..]) is { } retryAfter) Later(key, retryAfter, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, key, e);
            }
        }
        await sweep;
    }

    // Rate-limited: the same work again once WeCom's block is over.
    private void Later(string key, TimeSpan after, CancellationToken stoppingToken) =>
        _ = Task.Delay(after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1), clock.Time, stoppingToken).ContinueWith(t => { if (!t.IsCanceled) Queue(key); }, TaskScheduler.Default);

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WeComGroupSweep, clock.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var codeId in await joinWays.CodesAsync()) await groupCodes.RecountAsync(codeId, "sweep");
                foreach (var way in await contactWays.ListAsync()) Queue(Channel + way.ChannelId);
                await transfers.SubmitAsync();
                await transfers.PollAsync();
                await messages.SendDueAsync();
                await messages.PollAsync();
                await moments.SendDueAsync();
                await moments.PollAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, "sweep", e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Syncing {What} with WeCom failed; the next change or sweep tries again")]
    private static partial void Failed(ILogger logger, string what, Exception exception);
}
