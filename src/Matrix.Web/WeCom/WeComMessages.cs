using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Domain.Campaigns;
using Matrix.Grains.Tasks;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="Status">submitted (waiting for the member to confirm on the phone), sent, not_friend, quota, or failed.</param>
public sealed record WeComMessageView(Guid TaskId, string? MsgId, string Sender, string ExternalUserId, string Status, string? Reason, DateTimeOffset SubmittedAt,
    DateTimeOffset? FinishedAt, string CorpId);

/// <summary>
/// Message tasks of WeCom accounts (a follow-up's or a campaign's message to one customer) sent through WeCom's
/// mass-message API (Migrations/0008) once due, instead of only queued for a person: tasks of one member with the
/// same text go out as one <c>add_msg_template</c>, each task once (keyed by its id). WeCom's result for each
/// customer ends the task: sent (done by "wecom", a touch as any done message), not a friend, or refused by the
/// customer's quota of mass messages (skipped with WeCom's reason, ended by <see cref="MessageBudget.RefusedForQuota"/>
/// so the message budget counts it: the corp's other message reached the customer). Results are polled, since
/// WeCom sends nothing before the member confirms on the phone.
/// </summary>
public sealed partial class WeComMessages(NpgsqlDataSource db, WeComCorps corps, WeComClient client, MatrixDirectory directory, TaskStore tasks, TaskService taskService,
    StoreClock clock, ILogger<WeComMessages> logger)
{
    private const string Api = "/cgi-bin/externalcontact/";
    private const int MaxRecipients = 10_000;

    /// <summary>
    /// Sends the due message tasks of every WeCom account not sent yet. Returns how many went to WeCom. One node at a
    /// time (advisory lock 1306): two nodes' sweeps must not both send a task before either has recorded it.
    /// </summary>
    public Task<int> SendDueAsync() => AdvisoryLocks.HoldingAsync(db, AdvisoryLocks.WeComSending, "messages", SendDueLockedAsync);

    private async Task<int> SendDueLockedAsync()
    {
        var sent = 0;
        var now = clock.UtcNow;
        foreach (var account in (await directory.AccountsAsync()).Where(a => a.Profile.Kind == AccountKind.WeCom && !string.IsNullOrEmpty(a.Profile.WeChatId)))
        {
            if (await corps.OfAccountAsync(account.Id) is not { } corp) continue; // its corp not known yet: the next full sync tells
            var due = (await tasks.OpenForAccountAsync(account.Id)).Where(t => t is { Kind: "message", CustomerId: not null } && t.DueAt <= now).ToList();
            var known = await SentTasks.AmongAsync(db, "wecom_messages", due.Select(t => t.Id));
            foreach (var batch in due.Where(t => !known.Contains(t.Id)).GroupBy(t => t.Body).SelectMany(g => g.Chunk(MaxRecipients)))
                sent += await SendAsync(corp, account.Profile.WeChatId!, batch);
        }
        return sent;
    }

    /// <summary>Reads WeCom's result for every message still waiting, and ends the tasks whose customers got an answer.</summary>
    public async Task PollAsync()
    {
        foreach (var message in (await ListAsync()).Where(m => m.Status == "submitted").GroupBy(m => (m.MsgId!, m.Sender, m.CorpId)))
        {
            if (await corps.GetAsync(message.Key.CorpId) is not { } corp) continue;
            var waiting = message.ToDictionary(m => m.ExternalUserId);
            for (string? cursor = ""; cursor is not null;)
            {
                var answer = await client.PostAsync(corp.App, Api + "get_groupmsg_send_result", new { msgid = message.Key.Item1, userid = message.Key.Sender, limit = 1000, cursor });
                if (!answer.Ok) break;
                foreach (var row in answer.Body["send_list"]?.AsArray() ?? [])
                {
                    if (!waiting.TryGetValue(row!["external_userid"]!.GetValue<string>(), out var sent)) continue;
                    switch (row["status"]!.GetValue<int>())
                    {
                        case 1:
                            await taskService.DoneAsync(sent.TaskId, "wecom");
                            await FinishAsync(sent.TaskId, "sent", null);
                            break;
                        case 2:
                            await EndAsync(sent, "not_friend", "not a friend of the sender");
                            break;
                        case 3:
                            await EndAsync(sent, "quota", "already received another mass message", MessageBudget.RefusedForQuota);
                            break;
                    }
                }
                cursor = answer.Body["next_cursor"]?.GetValue<string>() is { Length: > 0 } next ? next : null;
            }
        }
    }

    public async Task<IReadOnlyList<WeComMessageView>> ListAsync()
    {
        await using var cmd = db.CreateCommand("select task_id, msgid, sender, external_userid, status, reason, submitted_at, finished_at, corp_id from wecom_messages order by submitted_at, task_id");
        var list = new List<WeComMessageView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? "" : r.GetString(8)));
        return list;
    }

    private async Task<int> SendAsync(WeComCorp corp, string sender, WorkTask[] batch)
    {
        var answer = await client.PostAsync(corp.App, Api + "add_msg_template",
            new { chat_type = "single", sender, external_userid = batch.Select(t => t.CustomerId).ToArray(), text = new { content = batch[0].Body } });
        if (answer.ErrCode == 41048)
        {
            foreach (var task in batch) await RecordAsync(corp, task, null, sender, "not_friend", "no customer can receive it (41048)");
            return 0;
        }
        if (!answer.Ok)
        {
            NotSent(logger, sender, answer.ErrCode, answer.ErrMsg); // the tasks stay unsent: the next run tries again
            return 0;
        }
        var msgId = answer.Body["msgid"]!.GetValue<string>();
        var failed = (answer.Body["fail_list"]?.AsArray() ?? []).Select(n => n!.GetValue<string>()).ToHashSet();
        foreach (var task in batch)
            await RecordAsync(corp, task, failed.Contains(task.CustomerId!) ? null : msgId, sender, failed.Contains(task.CustomerId!) ? "not_friend" : "submitted",
                failed.Contains(task.CustomerId!) ? "cannot receive it (fail_list)" : null);
        return batch.Length - failed.Count;
    }

    private async Task RecordAsync(WeComCorp corp, WorkTask task, string? msgId, string sender, string status, string? reason)
    {
        await using var cmd = db.CreateCommand("""
            insert into wecom_messages (task_id, msgid, sender, external_userid, status, reason, submitted_at, finished_at, corp_id)
            values ($1, $2, $3, $4, $5, $6, $7, case when $5 = 'submitted' then null else $7 end, $8) on conflict (task_id) do nothing
            """);
        cmd.Parameters.Add(new() { Value = task.Id });
        cmd.Parameters.Add(new() { Value = (object?)msgId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        foreach (var value in new object[] { sender, task.CustomerId!, status }) cmd.Parameters.Add(new() { Value = value });
        cmd.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        cmd.Parameters.Add(new() { Value = corp.App.CorpId });
        await cmd.ExecuteNonQueryAsync();
        if (status != "submitted") await tasks.SkipAsync(task.Id, $"WeCom: {reason}", "wecom", clock.UtcNow);
    }

    private async Task EndAsync(WeComMessageView message, string status, string reason, string by = "wecom")
    {
        await tasks.SkipAsync(message.TaskId, $"WeCom: {reason}", by, clock.UtcNow);
        await FinishAsync(message.TaskId, status, reason);
    }

    private async Task FinishAsync(Guid taskId, string status, string? reason)
    {
        await using var cmd = db.CreateCommand("update wecom_messages set status = $2, reason = $3, finished_at = $4 where task_id = $1 and status = 'submitted'");
        cmd.Parameters.Add(new() { Value = taskId });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom refused the mass message from {Sender}: {ErrCode} {ErrMsg}; it is tried again on the next run")]
    private static partial void NotSent(ILogger logger, string sender, int errCode, string errMsg);
}
