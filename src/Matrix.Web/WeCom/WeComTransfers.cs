using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.WeCom.Api;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <param name="Status">waiting (WeCom takes over at <paramref name="TakeoverAt"/>), done, refused, limit, or failed (WeCom's <paramref name="ErrCode"/>).</param>
public sealed record TransferView(Guid TaskId, string Handover, string Takeover, string ExternalUserId, bool Resigned, string Status, int? ErrCode, string? Reason,
    DateTimeOffset SubmittedAt, DateTimeOffset? TakeoverAt, DateTimeOffset? FinishedAt, string CorpId);

/// <summary>
/// Re-homing a WeCom account through WeCom's transfer API (Migrations/0007). The re-home plans which customers move
/// where (the 2-in-90-days rule included) as "transfer" tasks; each is sent once, 100 customers a call per
/// (handover, takeover), with the resigned API when the source account is retired (its member left) and the on-job
/// one otherwise. WeCom's per-customer answer 0 means "taken over in 24 hours": the transfer waits, and ends when
/// the takeover's add callback arrives or a poll of <c>transfer_result</c> says done (the task done: the customer
/// counts on the takeover and leaves the handover), or when WeCom says refused or the takeover is at its limit (the
/// task skipped with that reason). Any other answer is recorded and leaves the task for a person.
/// </summary>
public sealed partial class WeComTransfers(NpgsqlDataSource db, WeComCorps corps, WeComClient client, MatrixDirectory directory, TaskStore tasks, TaskService taskService,
    FriendEventService friends, StoreClock clock, ILogger<WeComTransfers> logger)
{
    private const string Api = "/cgi-bin/externalcontact/";

    /// <summary>Sends every open transfer task of a WeCom account not sent yet, one node at a time. Returns how many WeCom accepted.</summary>
    public Task<int> SubmitAsync() => AdvisoryLocks.HoldingAsync(db, AdvisoryLocks.WeComSending, "transfers", SubmitLockedAsync);

    private async Task<int> SubmitLockedAsync()
    {
        var accounts = (await directory.AccountsAsync()).Where(a => a.Profile.Kind == AccountKind.WeCom).ToDictionary(a => a.Id);
        var accepted = 0;
        foreach (var source in accounts.Values)
        {
            // A transfer stays within a corp: the takeover must be a member of the handover's corp (else a person re-homes by hand).
            if (await corps.CorpOfAccountAsync(source.Id) is not { } corpId || await corps.GetAsync(corpId) is not { } corp) continue;
            var candidates = (await tasks.OpenForAccountAsync(source.Id)).Where(t => t is { Kind: "transfer", CustomerId: not null, TargetAccountId: { } target } && accounts.ContainsKey(target)).ToList();
            var sent = await SentTasks.AmongAsync(db, "wecom_transfers", candidates.Select(t => t.Id));
            var open = new List<WorkTask>();
            foreach (var task in candidates.Where(t => !sent.Contains(t.Id)))
                if (await corps.CorpOfAccountAsync(task.TargetAccountId!) == corpId) open.Add(task);
            var resigned = source.Profile.Status == AccountStatus.Retired;
            foreach (var batch in open.GroupBy(t => t.TargetAccountId!).SelectMany(g => g.Chunk(100)))
                accepted += await SendAsync(corp, source.Profile.WeChatId!, accounts[batch[0].TargetAccountId!].Profile.WeChatId!, batch, resigned);
        }
        return accepted;
    }

    /// <summary>Asks WeCom how each waiting transfer stands (callbacks get lost) and ends those that ended.</summary>
    public async Task PollAsync()
    {
        foreach (var pair in (await ListAsync()).Where(t => t.Status == "waiting").GroupBy(t => (t.Handover, t.Takeover, t.Resigned, t.CorpId)))
        {
            if (await corps.GetAsync(pair.Key.CorpId) is not { } corp) continue;
            var waiting = pair.ToDictionary(t => t.ExternalUserId);
            for (string? cursor = ""; cursor is not null;)
            {
                var answer = await client.PostAsync(corp.App, Api + (pair.Key.Resigned ? "resigned/transfer_result" : "transfer_result"),
                    new { handover_userid = pair.Key.Handover, takeover_userid = pair.Key.Takeover, cursor });
                if (!answer.Ok) break;
                foreach (var row in answer.Body["customer"]?.AsArray() ?? [])
                {
                    if (!waiting.TryGetValue(row!["external_userid"]!.GetValue<string>(), out var transfer)) continue;
                    var status = row["status"]!.GetValue<int>();
                    if (status == 1) await CompleteAsync(transfer);
                    else if (status is 3 or 4) await EndAsync(transfer, status == 3 ? "refused" : "limit", status == 3 ? "customer_refused" : "customer_limit_exceed");
                }
                cursor = answer.Body["next_cursor"]?.GetValue<string>() is { Length: > 0 } next ? next : null;
            }
        }
    }

    /// <summary>
    /// The takeover's add callback for a customer being transferred to them: the transfer is done (true), and the
    /// add is not a new friend. False when no such transfer waits.
    /// </summary>
    public async Task<bool> ArrivedAsync(string takeover, string externalUserId)
    {
        if ((await ListAsync(waitingFor: (takeover, externalUserId))).FirstOrDefault() is not { } transfer) return false;
        await CompleteAsync(transfer);
        return true;
    }

    /// <summary>A <c>transfer_fail</c> callback: the customer refused, or the takeover is at its limit.</summary>
    public async Task FailedAsync(string takeover, string externalUserId, string? reason)
    {
        if ((await ListAsync(waitingFor: (takeover, externalUserId))).FirstOrDefault() is { } transfer)
            await EndAsync(transfer, reason == "customer_limit_exceed" ? "limit" : "refused", reason ?? "customer_refused");
    }

    public async Task<IReadOnlyList<TransferView>> ListAsync((string Takeover, string Customer)? waitingFor = null)
    {
        await using var cmd = db.CreateCommand("""
            select task_id, handover, takeover, external_userid, resigned, status, errcode, reason, submitted_at, takeover_at, finished_at, corp_id from wecom_transfers
             where $1::text is null or (status = 'waiting' and takeover = $1 and external_userid = $2)
             order by submitted_at, task_id
            """);
        cmd.Parameters.Add(new() { Value = (object?)waitingFor?.Takeover ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)waitingFor?.Customer ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<TransferView>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetInt32(6),
                r.IsDBNull(7) ? null : r.GetString(7), r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.GetString(11)));
        return list;
    }

    private async Task<int> SendAsync(WeComCorp corp, string handover, string takeover, WorkTask[] batch, bool resigned)
    {
        var answer = await client.PostAsync(corp.App, Api + (resigned ? "resigned/transfer_customer" : "transfer_customer"),
            new { handover_userid = handover, takeover_userid = takeover, external_userid = batch.Select(t => t.CustomerId).ToArray() });
        if (!answer.Ok)
        {
            NotSent(logger, handover, takeover, answer.ErrCode, answer.ErrMsg); // the tasks stay unsent: the next run tries again
            return 0;
        }
        var codes = (answer.Body["customer"]?.AsArray() ?? []).ToDictionary(c => c!["external_userid"]!.GetValue<string>(), c => c!["errcode"]!.GetValue<int>());
        var accepted = 0;
        foreach (var task in batch)
        {
            var code = codes.GetValueOrDefault(task.CustomerId!, -1);
            var now = clock.UtcNow;
            await using var cmd = db.CreateCommand("""
                insert into wecom_transfers (task_id, corp_id, handover, takeover, external_userid, resigned, status, errcode, submitted_at, takeover_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (task_id) do nothing
                """);
            foreach (var value in new object[] { task.Id, corp.App.CorpId, handover, takeover, task.CustomerId!, resigned, code == 0 ? "waiting" : "failed" })
                cmd.Parameters.Add(new() { Value = value });
            cmd.Parameters.Add(new() { Value = code == 0 ? DBNull.Value : code, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            cmd.Parameters.Add(new() { Value = now.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = code == 0 ? now.AddHours(24).ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            await cmd.ExecuteNonQueryAsync();
            if (code == 0) accepted++;
        }
        return accepted;
    }

    // Done: the task's customer counts on the takeover (once, keyed by the task) and leaves the handover.
    private async Task CompleteAsync(TransferView transfer)
    {
        if (await tasks.GetAsync(transfer.TaskId) is not { } task) return;
        await taskService.DoneAsync(task.Id, "wecom");
        await friends.DeletedAsync(new(task.AccountId, transfer.ExternalUserId, clock.UtcNow, $"transfer:{task.Id}", ByCustomer: false));
        await FinishAsync(transfer.TaskId, "done", null);
    }

    private async Task EndAsync(TransferView transfer, string status, string reason)
    {
        await tasks.SkipAsync(transfer.TaskId, $"WeCom: {reason}", "wecom", clock.UtcNow);
        await FinishAsync(transfer.TaskId, status, reason);
    }

    private async Task FinishAsync(Guid taskId, string status, string? reason)
    {
        await using var cmd = db.CreateCommand("update wecom_transfers set status = $2, reason = $3, finished_at = $4 where task_id = $1 and status = 'waiting'");
        foreach (var value in new object?[] { taskId, status, reason, clock.UtcNow.ToUniversalTime() })
            cmd.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom refused the transfer call from {Handover} to {Takeover}: {ErrCode} {ErrMsg}; it is tried again on the next run")]
    private static partial void NotSent(ILogger logger, string handover, string takeover, int errCode, string errMsg);
}
