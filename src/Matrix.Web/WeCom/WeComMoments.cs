using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Tasks;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="Status">submitted (the job runs), done (WeCom made the moment <paramref name="MomentId"/>), or failed (<paramref name="Reason"/>).</param>
public sealed record WeComMomentView(Guid TaskId, string JobId, string Sender, string Status, string? MomentId, string? Reason, DateTimeOffset SubmittedAt, DateTimeOffset? FinishedAt,
    string CorpId);

/// <summary>
/// Moments tasks of WeCom accounts sent as enterprise Moments (Migrations/0010): the due copies of one post on WeCom
/// accounts go out as one <c>add_moment_task</c> with those members as senders, each task once; the job is polled
/// (<c>get_moment_task_result</c>) until WeCom has made the moment, which completes each task ("wecom"), or lists a
/// sender it would not take, whose task stays for a person with WeCom's reason recorded.
/// </summary>
public sealed partial class WeComMoments(NpgsqlDataSource db, WeComCorps corps, WeComClient client, MatrixDirectory directory, TaskStore tasks, TaskService taskService,
    StoreClock clock, ILogger<WeComMoments> logger)
{
    private const string Api = "/cgi-bin/externalcontact/";

    /// <summary>Sends the due Moments tasks of every WeCom account not sent yet, one job per post, one node at a time. Returns how many jobs WeCom took.</summary>
    public Task<int> SendDueAsync() => AdvisoryLocks.HoldingAsync(db, AdvisoryLocks.WeComSending, "moments", SendDueLockedAsync);

    private async Task<int> SendDueLockedAsync()
    {
        var now = clock.UtcNow;
        var due = new List<(WorkTask Task, string Sender, WeComCorp Corp)>();
        foreach (var account in (await directory.AccountsAsync()).Where(a => a.Profile.Kind == AccountKind.WeCom && !string.IsNullOrEmpty(a.Profile.WeChatId)))
            if (await corps.OfAccountAsync(account.Id) is { } of) // its corp not known yet: the next full sync tells
                due.AddRange((await tasks.OpenForAccountAsync(account.Id)).Where(t => t.Kind == "moments" && t.DueAt <= now).Select(t => (t, account.Profile.WeChatId!, of)));
        var known = await SentTasks.AmongAsync(db, "wecom_moments", due.Select(d => d.Task.Id));
        var jobs = 0;
        // One job per post and corp: a job's senders are members of the corp that runs it.
        foreach (var post in due.Where(d => !known.Contains(d.Task.Id)).GroupBy(d => (d.Task.Origin, d.Task.Body, d.Corp.App.CorpId)))
        {
            var corp = post.First().Corp;
            var answer = await client.PostAsync(corp.App, Api + "add_moment_task",
                new { text = new { content = post.Key.Body }, visible_range = new { sender_list = new { user_list = post.Select(p => p.Sender).Distinct().ToArray() } } });
            if (!answer.Ok)
            {
                NotSent(logger, post.Key.Origin, answer.ErrCode, answer.ErrMsg); // unsent: the next run tries again
                continue;
            }
            var jobId = answer.Body["jobid"]!.GetValue<string>();
            foreach (var (task, sender, _) in post)
            {
                await using var cmd = db.CreateCommand("""
                    insert into wecom_moments (task_id, jobid, sender, status, submitted_at, corp_id) values ($1, $2, $3, 'submitted', $4, $5) on conflict (task_id) do nothing
                    """);
                foreach (var value in new object[] { task.Id, jobId, sender, now.ToUniversalTime(), corp.App.CorpId }) cmd.Parameters.Add(new() { Value = value });
                await cmd.ExecuteNonQueryAsync();
            }
            jobs++;
        }
        return jobs;
    }

    /// <summary>Asks about every running job; a finished one ends its tasks.</summary>
    public async Task PollAsync()
    {
        foreach (var job in (await ListAsync()).Where(m => m.Status == "submitted").GroupBy(m => (m.JobId, m.CorpId)))
        {
            if (await corps.GetAsync(job.Key.CorpId) is not { } corp) continue;
            var answer = await client.GetAsync(corp.App, Api + "get_moment_task_result", new Dictionary<string, string> { ["jobid"] = job.Key.JobId });
            if (!answer.Ok || answer.Body["status"]?.GetValue<int>() != 3) continue;
            var result = answer.Body["result"]!;
            var invalid = (result["invalid_sender_list"]?["user_list"]?.AsArray() ?? []).Select(n => n!.GetValue<string>()).ToHashSet();
            var failed = result["errcode"]?.GetValue<int>() is { } code and not 0 ? $"{code} {result["errmsg"]?.GetValue<string>()}" : null;
            foreach (var copy in job)
            {
                if (failed is null && !invalid.Contains(copy.Sender))
                {
                    await taskService.DoneAsync(copy.TaskId, "wecom");
                    await FinishAsync(copy.TaskId, "done", result["moment_id"]?.GetValue<string>(), null);
                }
                else await FinishAsync(copy.TaskId, "failed", null, failed ?? "WeCom did not take this member as a sender");
            }
        }
    }

    public async Task<IReadOnlyList<WeComMomentView>> ListAsync()
    {
        await using var cmd = db.CreateCommand("select task_id, jobid, sender, status, moment_id, reason, submitted_at, finished_at, corp_id from wecom_moments order by submitted_at, task_id");
        var list = new List<WeComMomentView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? "" : r.GetString(8)));
        return list;
    }

    private async Task FinishAsync(Guid taskId, string status, string? momentId, string? reason)
    {
        await using var cmd = db.CreateCommand("update wecom_moments set status = $2, moment_id = $3, reason = $4, finished_at = $5 where task_id = $1 and status = 'submitted'");
        cmd.Parameters.Add(new() { Value = taskId });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = (object?)momentId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom refused the Moments job of {Origin}: {ErrCode} {ErrMsg}; it is tried again on the next run")]
    private static partial void NotSent(ILogger logger, string origin, int errCode, string errMsg);
}
