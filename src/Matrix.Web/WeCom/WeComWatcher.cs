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
/// every way synced, transfers and due message and Moments tasks not yet sent sent, and those waiting asked about,
/// the full sync run where due (<see cref="WeComSync"/>) and the outbox drained. The outbox is drained too as soon
/// as a call is written, and again when its earliest retry comes; a corp's tags are mirrored again when its admins
/// change them, and a customer's tags read again when a member edits the customer.
/// </summary>
public sealed partial class WeComWatcher(WeComGroupCodes groupCodes, WeComContactWays contactWays, WeComTransfers transfers, WeComMessages messages, WeComMoments moments,
    WeComSync sync, WeComOutbox outbox, JoinWayStore joinWays, IOptions<MatrixOptions> options, StoreClock clock, ILogger<WeComWatcher> logger) : BackgroundService
{
    private const string Chat = "chat:", Channel = "channel:", Tags = "tags:", Edited = "edited:";
    private readonly Channel<string> _queue = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> _waiting = new();

    // The full sync and the outbox run on loops of their own (a corp's run, or an import's thousands of tag marks,
    // take minutes; the queue's quick work must not wait behind them), each woken by a request, the sweep or its
    // earliest retry time; wakings meanwhile make one more run.
    private readonly Channel<bool> _syncWanted = Wakes(), _outboxWanted = Wakes();

    private static Channel<bool> Wakes() => System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The chat's members changed: it is counted again soon (once, if it is already waiting).</summary>
    public void Changed(string chatId) => Queue(Chat + chatId);

    /// <summary>The channel's accounts gained friends: its contact way's members are checked soon.</summary>
    public void ChannelChanged(string channelId) => Queue(Channel + channelId);

    /// <summary>A corp's admins changed its tags: the mirror is read again soon.</summary>
    public void TagsChanged(string corpId) => Queue(Tags + corpId);

    /// <summary>A member edited a customer (tags among what may have changed): the relationship's tags are read soon.</summary>
    public void ContactEdited(string corpId, string userId, string externalUserId) => Queue(Edited + string.Join('\u0001', corpId, userId, externalUserId));

    /// <summary>A full sync was asked for: this node runs what is due now rather than at the next sweep.</summary>
    public void SyncRequested() => _syncWanted.Writer.TryWrite(true);

    private void OutboxWanted() => _outboxWanted.Writer.TryWrite(true);

    private void Queue(string key)
    {
        if (_waiting.TryAdd(key, 0)) _queue.Writer.TryWrite(key);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        outbox.Added += OutboxWanted;
        OutboxWanted(); // what a stopped node left waiting
        var sweep = SweepAsync(stoppingToken);
        var syncing = LoopAsync(_syncWanted, "the full sync", async () =>
        {
            await sync.RunDueAsync(stoppingToken);
            return await sync.NextRetryAsync();
        }, SyncRequested, stoppingToken);
        var draining = LoopAsync(_outboxWanted, "the outbox", async () =>
        {
            await outbox.DrainAsync(stoppingToken);
            return await outbox.NextDueAsync();
        }, OutboxWanted, stoppingToken);
        await foreach (var key in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            _waiting.TryRemove(key, out _); // a change from now on queues it again
            try
            {
                if (key.StartsWith(Chat, StringComparison.Ordinal)) await groupCodes.RecountChatAsync(key[Chat.Length..]);
                else if (key.StartsWith(Channel, StringComparison.Ordinal) && await contactWays.SyncAsync(key[Channel.Length..]) is { } retryAfter) Later(key, retryAfter, stoppingToken);
                else if (key.StartsWith(Tags, StringComparison.Ordinal)) await sync.MirrorTagsAsync(key[Tags.Length..]);
                else if (key.StartsWith(Edited, StringComparison.Ordinal) && key[Edited.Length..].Split('\u0001') is [var corpId, var userId, var customerId])
                    await sync.ReadTagsAsync(corpId, userId, customerId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, key, e);
            }
        }
        await sweep;
        await syncing;
        await draining;
    }

    // Runs work each time it is wanted; when the work says when it is next due (a retry), wants it again then.
    private async Task LoopAsync(Channel<bool> wanted, string what, Func<Task<DateTimeOffset?>> work, Action again, CancellationToken stoppingToken)
    {
        await foreach (var wake in wanted.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (await work() is { } next)
                    _ = Task.Delay(next > clock.UtcNow ? next - clock.UtcNow : TimeSpan.FromSeconds(1), clock.Time, stoppingToken)
                        .ContinueWith(t => { if (!t.IsCanceled) again(); }, TaskScheduler.Default);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, what, e);
            }
        }
    }

    // Rate-limited: the same work again once WeCom's block is over.
    private void Later(string key, TimeSpan after, CancellationToken stoppingToken) =>
        _ = Task.Delay(after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1), clock.Time, stoppingToken).ContinueWith(t => { if (!t.IsCanceled) Queue(key); }, TaskScheduler.Default);

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WeComGroupSweep, clock.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            SyncRequested();
            OutboxWanted();
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
