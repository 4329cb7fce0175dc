using System.Collections.Concurrent;
using System.Threading.Channels;
using Matrix.Grains;
using Matrix.Grains.Groups;
using Microsoft.Extensions.Options;

namespace Matrix.Web.WeCom;

/// <summary>
/// Counts WeCom groups again after their member callbacks, off the callback's path (WeCom wants an answer within
/// 5 seconds): a chat waiting to be counted is queued once however many members join meanwhile, so a burst of joins
/// costs a few reads of the group. A queue is the node's own; what a stopped node had queued, and any callback
/// missed, is caught by the sweep that counts every join way's groups each <see cref="MatrixOptions.WeComGroupSweep"/>.
/// </summary>
public sealed partial class WeComGroupWatcher(WeComGroupCodes groupCodes, JoinWayStore ways, IOptions<MatrixOptions> options, StoreClock clock,
    ILogger<WeComGroupWatcher> logger) : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> _waiting = new();

    /// <summary>The chat's members changed: it is counted again soon (once, if it is already waiting).</summary>
    public void Changed(string chatId)
    {
        if (_waiting.TryAdd(chatId, 0)) _queue.Writer.TryWrite(chatId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweep = SweepAsync(stoppingToken);
        await foreach (var chatId in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            _waiting.TryRemove(chatId, out _); // a change from now on queues it again
            try
            {
                await groupCodes.RecountChatAsync(chatId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, chatId, e);
            }
        }
        await sweep;
    }

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WeComGroupSweep, clock.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var codeId in await ways.CodesAsync())
            {
                try
                {
                    await groupCodes.RecountAsync(codeId, "sweep");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Failed(logger, codeId, e);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting WeCom groups of {What} failed; the next change or sweep tries again")]
    private static partial void Failed(ILogger logger, string what, Exception exception);
}
