using System.Security.Cryptography;
using System.Text;
using Matrix.Domain.Accounts;
using Matrix.Domain.WeCom;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;
using Matrix.WeCom.Api;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Matrix.Web.WeCom;

/// <summary>
/// The full sync with a corp (Migrations/0011), nightly (<see cref="MatrixOptions.WeComNightlySync"/>, store time),
/// on demand, and again after a failure by <see cref="WeComFailures"/>' schedule: the tag list mirrored, the members
/// with customer contact matched to Matrix's WeCom accounts, then each member's customers paged through
/// (<c>batch/get_by_user</c>). A customer WeCom lists and Matrix lacks (a lost add callback) is added with WeCom's
/// own add time; a friend Matrix holds that WeCom no longer lists (a lost delete) is ended at the run's end; tags go
/// both ways, only ever added (a removal travels as its own change). The cursor is kept after every page, so a run
/// stopped by a restart, a rate limit or an outage resumes where it stopped. One node syncs a corp at a time.
/// </summary>
public sealed partial class WeComSync(NpgsqlDataSource db, WeComCorps corps, WeComClient client, WeComTagMirror mirror, WeComTagMarks marks, WeComOutbox outbox,
    MatrixDirectory directory, FriendEventService friends, CustomerReader customers, IGrainFactory grains, StoreClock clock, IOptions<MatrixOptions> options,
    ILogger<WeComSync> logger)
{
    private const string Api = "/cgi-bin/externalcontact/";
    public const string By = "wecom";

    /// <summary>A full sync of every connected corp is wanted now (the next sweep, or this node's watcher at once, runs it).</summary>
    public async Task RequestAsync()
    {
        await using var cmd = db.CreateCommand("""
            insert into wecom_corp_syncs (corp_id, requested_at) select corp_id, $1 from wecom_corps
            on conflict (corp_id) do update set requested_at = $1
            """);
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Runs what is due on every corp: a full sync (asked for, nightly, or retrying the corp), else the accounts whose retry time came.</summary>
    public async Task RunDueAsync(CancellationToken cancellationToken = default)
    {
        foreach (var corp in await corps.ListAsync())
        {
            if (cancellationToken.IsCancellationRequested) return;
            await AdvisoryLocks.HoldingAsync(db, AdvisoryLocks.WeComSync, corp.CorpId, async () =>
            {
                await RunLockedAsync(corp.CorpId, cancellationToken);
                return 0;
            });
        }
    }

    private async Task RunLockedAsync(string corpId, CancellationToken cancellationToken)
    {
        if (await corps.GetAsync(corpId) is not { } corp) return;
        var state = await CorpStateAsync(corpId);
        var now = clock.UtcNow;
        var full = state.RequestedAt is not null || state.NextRetryAt <= now
                   || (state.NextRetryAt is null && NightlySync.IsDue(state.StartedAt, now, clock.Zone, options.Value.WeComNightlySync));
        if (full)
        {
            await StartedAsync(corpId, now);
            if ((await mirror.SyncAsync(corp) ?? await MembersAsync(corp)) is { } failed)
            {
                await CorpFailedAsync(corp, failed, state.Attempts + 1);
                return;
            }
            // Every member's customers are due in a full sync; an account is done when its run ends.
            // (Not an account WeCom does not list as a member: there is nothing to read until someone fixes it.)
            await Execute("update wecom_account_syncs set next_retry_at = $2 where corp_id = $1 and last_code is distinct from 60111", corpId, now.ToUniversalTime());
        }
        foreach (var account in await AccountsAsync(corpId))
        {
            if (cancellationToken.IsCancellationRequested) return;
            if (account.LastCode == WeComFailures.NoSuchMember || !(account.NextRetryAt <= now)) continue;
            // A rate limit stops the run: the rest stay due and wait for WeCom's block to end, where the failed account resumes.
            if (await CustomersAsync(corp, account) is { } failed && WeComFailures.Classify(failed.ErrCode) == WeComFailureKind.RateLimited) break;
        }
        if (full) await CorpSyncedAsync(corpId);
    }

    // The members with customer contact: each Matrix WeCom account is matched by its userid; the others are listed.
    private async Task<WeComAnswer?> MembersAsync(WeComCorp corp)
    {
        var answer = await client.TryGetAsync(corp.App, Api + "get_follow_user_list", new Dictionary<string, string>());
        if (!answer.Ok) return answer;
        var members = (answer.Body["follow_user"]?.AsArray() ?? []).Select(m => m!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var accounts = (await directory.AccountsAsync()).Where(a => a.Profile.Kind == AccountKind.WeCom && !string.IsNullOrEmpty(a.Profile.WeChatId)).ToList();
        var single = (await corps.ListAsync()).Count == 1;
        foreach (var account in accounts)
        {
            if (members.Contains(account.Profile.WeChatId!)) await Execute("""
                insert into wecom_account_syncs (account_id, corp_id, user_id) values ($1, $2, $3)
                on conflict (account_id) do update set corp_id = $2, user_id = $3,
                    last_code = case when wecom_account_syncs.last_code = 60111 then null else wecom_account_syncs.last_code end,
                    last_error = case when wecom_account_syncs.last_code = 60111 then null else wecom_account_syncs.last_error end
                """, account.Id, corp.App.CorpId, account.Profile.WeChatId!);
            else if (single || await corps.CorpOfAccountAsync(account.Id) == corp.App.CorpId)
            {
                await Execute("""
                    insert into wecom_account_syncs (account_id, corp_id, user_id) values ($1, $2, $3)
                    on conflict (account_id) do update set corp_id = $2, user_id = $3
                    """, account.Id, corp.App.CorpId, account.Profile.WeChatId!);
                await AccountFailedAsync(account.Id, new(WeComFailures.NoSuchMember, $"WeCom lists no member '{account.Profile.WeChatId}' with customer contact", []), 0);
            }
        }
        var matched = accounts.Select(a => a.Profile.WeChatId!).ToHashSet(StringComparer.Ordinal);
        await Execute("update wecom_corp_syncs set unmatched_members = $2 where corp_id = $1", corp.App.CorpId,
            members.Where(m => !matched.Contains(m)).Order(StringComparer.Ordinal).ToArray());
        return null;
    }

    // One account's customers, page by page from where its run stopped; the run ends when WeCom has no next page.
    private async Task<WeComAnswer?> CustomersAsync(WeComCorp corp, AccountSync account)
    {
        if (account.RunStartedAt is null)
        {
            await Execute("delete from wecom_sync_seen where account_id = $1", account.AccountId);
            await Execute("update wecom_account_syncs set run_started_at = $2, cursor = null, seen = 0, added = 0, removed = 0 where account_id = $1",
                account.AccountId, clock.UtcNow.ToUniversalTime());
            account = (await AccountsAsync(corp.App.CorpId)).Single(a => a.AccountId == account.AccountId);
        }
        var cursor = account.Cursor;
        while (true)
        {
            if (await corps.GetAsync(corp.App.CorpId) is null) return null; // disconnected meanwhile
            var page = await client.TryPostAsync(corp.App, Api + "batch/get_by_user", new { userid_list = new[] { account.UserId }, cursor = cursor ?? "", limit = 100 });
            if (!page.Ok)
            {
                await AccountFailedAsync(account.AccountId, page, account.Attempts + 1);
                return page;
            }
            var rows = (page.Body["external_contact_list"]?.AsArray() ?? []).Select(c => (
                Id: c!["external_contact"]?["external_userid"]?.GetValue<string>() ?? "",
                Since: DateTimeOffset.FromUnixTimeSeconds(c["follow_info"]?["createtime"]?.GetValue<long>() ?? 0),
                Tags: (c["follow_info"]?["tag_id"]?.AsArray() ?? []).Select(t => t!.GetValue<string>()).ToList())).Where(r => r.Id.Length > 0).ToList();
            var added = await PageAsync(corp.App.CorpId, account, rows);
            cursor = page.Body["next_cursor"]?.GetValue<string>() is { Length: > 0 } next ? next : null;
            await Execute("update wecom_account_syncs set cursor = $2, seen = seen + $3, added = added + $4 where account_id = $1",
                account.AccountId, (object?)cursor ?? DBNull.Value, rows.Count, added);
            if (cursor is null) break;
        }
        var removed = await EndGoneAsync(account);
        await Execute("""
            update wecom_account_syncs set run_started_at = null, cursor = null, removed = $2, last_synced_at = $3, last_code = null, last_error = null,
                   last_error_at = null, next_retry_at = null, attempts = 0 where account_id = $1
            """, account.AccountId, removed, clock.UtcNow.ToUniversalTime());
        await Execute("delete from wecom_sync_seen where account_id = $1", account.AccountId);
        return null;
    }

    // A page: each customer seen; the ones Matrix lacks added at WeCom's add time; tags brought together.
    private async Task<int> PageAsync(string corpId, AccountSync account, IReadOnlyList<(string Id, DateTimeOffset Since, List<string> Tags)> rows)
    {
        await Execute("insert into wecom_sync_seen (account_id, external_id) select $1, unnest($2::text[]) on conflict do nothing", account.AccountId, rows.Select(r => r.Id).ToArray());
        var active = await ActiveAsync(account.AccountId, [.. rows.Select(r => r.Id)]);
        var added = 0;
        foreach (var row in rows.Where(r => !active.Contains(r.Id)))
        {
            var outcome = await friends.AddedAsync(new(account.AccountId, row.Id, row.Since > clock.UtcNow ? clock.UtcNow : row.Since, Key("add", account.AccountId, row.Id, row.Since)),
                discovered: true);
            if (outcome == FriendAddOutcome.Added) added++;
            else if (outcome == FriendAddOutcome.Full) OverCap(logger, account.AccountId, row.Id);
        }
        var (idOf, tagOf) = await mirror.MappedAsync(corpId);
        if (idOf.Count == 0) return added;
        var waiting = await outbox.WaitingSubjectsAsync(WeComTagMarks.Kind); // Matrix's own change on its way: left alone
        var records = await customers.GetManyAsync([.. rows.Select(r => r.Id).Where(id => !waiting.Contains(id))]);
        foreach (var row in rows)
        {
            if (!records.TryGetValue(row.Id, out var record)) continue;
            var fromWeCom = row.Tags.Where(tagOf.ContainsKey).Select(t => tagOf[t]).Where(t => !record.Tags.Contains(t)).ToList();
            if (fromWeCom.Count > 0) await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(row.Id).ChangeTags(fromWeCom, [], By, clock.UtcNow));
            var toWeCom = record.Tags.Where(t => idOf.TryGetValue(t, out var id) && !row.Tags.Contains(id)).ToList();
            if (toWeCom.Count > 0) await marks.MarkAsync(row.Id, toWeCom, [], onlyAccount: account.AccountId);
        }
        return added;
    }

    // Friends of the account from before the run that WeCom did not list: gone with no callback Matrix heard.
    private async Task<int> EndGoneAsync(AccountSync account)
    {
        await using var cmd = db.CreateCommand("""
            select f.external_id from account_friends f
             where f.account_id = $1 and f.removed_at is null and f.added_at < $2
               and not exists (select 1 from wecom_sync_seen s where s.account_id = f.account_id and s.external_id = f.external_id)
            """);
        cmd.Parameters.Add(new() { Value = account.AccountId });
        cmd.Parameters.Add(new() { Value = account.RunStartedAt!.Value.ToUniversalTime() });
        var gone = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) gone.Add(r.GetString(0));
        var removed = 0;
        foreach (var id in gone)
            if (await friends.DeletedAsync(new(account.AccountId, id, clock.UtcNow, Key("gone", account.AccountId, id, account.RunStartedAt.Value))) == FriendRemoveOutcome.Removed)
                removed++;
        return removed;
    }

    private async Task<HashSet<string>> ActiveAsync(string accountId, string[] ids)
    {
        await using var cmd = db.CreateCommand("select external_id from account_friends where account_id = $1 and external_id = any($2) and removed_at is null");
        cmd.Parameters.Add(new() { Value = accountId });
        cmd.Parameters.Add(new() { Value = ids });
        var set = new HashSet<string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) set.Add(r.GetString(0));
        return set;
    }

    // The friend events' idempotency key: one add per (account, customer, WeCom's add time), one end per run.
    private static string Key(string kind, string accountId, string customerId, DateTimeOffset at) =>
        $"wecom-sync:{kind}:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{accountId}\u0001{customerId}\u0001{at.ToUnixTimeSeconds()}")))[..40];

    private async Task Execute(string sql, params object[] values)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var value in values) cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "WeCom lists {Customer} on {Account}, which is at its hard cap: not counted. Lower the account's soft cap or raise its reserve")]
    private static partial void OverCap(ILogger logger, string account, string customer);
}
