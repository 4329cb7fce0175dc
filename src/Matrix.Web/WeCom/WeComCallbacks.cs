using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Capacity;
using Matrix.Grains.Tasks;
using Matrix.WeCom.Api;
using Matrix.WeCom.Callbacks;

namespace Matrix.Web.WeCom;

/// <summary>
/// Turns a corp's decrypted callbacks into Matrix's own friend events, keyed by the callback's identity, so a
/// callback WeCom sends again (unanswered within 5 s, or twice) changes nothing more. An add lands on the account
/// whose WeChat ID is the member's userid, through the channel whose state the contact way carried (or a referral
/// poster's state); the channel's welcome goes out through <c>send_welcome_msg</c> within WeCom's 20 seconds, and
/// its welcome task is closed; when the window is missed (or WeCom refuses), the task stays for a person.
/// </summary>
public sealed partial class WeComCallbacks(FriendEventService friends, MatrixDirectory directory, TaskStore tasks, WeComClient client, StoreClock clock,
    WeComGroupCodes groupCodes, WeComWatcher watcher, WeComTransfers transfers, WeComTagMarks marks, WeComCorps corps, ILogger<WeComCallbacks> logger)
{
    public const string SentBy = "wecom";
    private const int WelcomeInFlight = 41096;

    // Less than WeCom's 20 seconds from the add: the callback arrived some time after it.
    private static readonly TimeSpan WelcomeWindow = TimeSpan.FromSeconds(16);

    public async Task HandleAsync(WeComCorp corp, WeComEvent e)
    {
        if (e.Event == "change_external_chat")
        {
            // A member joined or left: counted off this path (the callback is answered at once); a group opened or dismissed: handled now.
            if (e.ChangeType == "update" && e.ChatId is { } chatId) watcher.Changed(chatId);
            else await groupCodes.HandleAsync(corp, e);
            return;
        }
        if (e.Event == "change_external_tag")
        {
            watcher.TagsChanged(corp.App.CorpId); // mirrored again off this path; a conflict is reported, not overwritten
            return;
        }
        if (e.Event != "change_external_contact" || e.UserId is null || e.ExternalUserId is null) return;
        // A userid is the corp's own: with several corps, the account whose corp this is (as the full sync found).
        var members = (await directory.AccountsAsync()).Where(a => a.Profile.Kind == AccountKind.WeCom && a.Profile.WeChatId == e.UserId).ToList();
        var account = members.Count <= 1 ? members.FirstOrDefault() : await OfCorpAsync(members, corp.App.CorpId);
        if (account is null)
        {
            UnknownMember(logger, corp.App.CorpId, e.UserId);
            return;
        }
        switch (e.ChangeType)
        {
            case "add_external_contact" or "add_half_external_contact":
                // A customer transferred to this member arrives as an add: the transfer ends, and it is no new friend.
                if (!await transfers.ArrivedAsync(e.UserId, e.ExternalUserId)) await AddedAsync(corp, account, e);
                break;
            case "edit_external_contact":
                watcher.ContactEdited(corp.App.CorpId, e.UserId, e.ExternalUserId);
                break;
            case "transfer_fail":
                await transfers.FailedAsync(e.UserId, e.ExternalUserId, e.FailReason);
                break;
            case "del_follow_user":
                await friends.DeletedAsync(new(account.Id, e.ExternalUserId, e.At, e.Identity, ByCustomer: true));
                break;
            case "del_external_contact":
                await friends.DeletedAsync(new(account.Id, e.ExternalUserId, e.At, e.Identity, ByCustomer: false));
                break;
        }
    }

    private async Task AddedAsync(WeComCorp corp, AccountEntry account, WeComEvent e)
    {
        var referral = Domain.Referrals.ReferralState.Parse(e.State) is not null ? e.State : null;
        var channel = referral is null && e.State is { } state ? (await directory.ChannelsAsync()).FirstOrDefault(c => c.Definition.State == state) : null;
        var outcome = await friends.AddedAsync(new(account.Id, e.ExternalUserId!, e.At, e.Identity, channel?.Id, Referral: referral));
        if (channel is not null) watcher.ChannelChanged(channel.Id); // the account filled by one: its contact way may list fewer members
        if (outcome == FriendAddOutcome.Full) OverCap(logger, account.Id, e.ExternalUserId!);
        if (outcome == FriendAddOutcome.Added && e.WelcomeCode is not null && channel?.Definition.WelcomeScript is { Length: > 0 } welcome)
            await WelcomeAsync(corp, account.Id, e.ExternalUserId!, e.WelcomeCode, welcome);
        // The channel's tags, which the customer now has in Matrix, marked on the relationship in WeCom too (through the outbox).
        if (outcome == FriendAddOutcome.Added && channel?.Definition.Tags is { Count: > 0 } tags) await marks.MarkAsync(e.ExternalUserId!, tags, [], onlyAccount: account.Id);
    }

    // WeCom takes a welcome code once, within 20 seconds. 41096 (another app is sending its welcome) may be tried
    // again: that goes on off the callback's path, every two seconds while the window lasts.
    private async Task WelcomeAsync(WeComCorp corp, string accountId, string customerId, string code, string welcome)
    {
        var answer = await client.PostAsync(corp.App, "/cgi-bin/externalcontact/send_welcome_msg", new { welcome_code = code, text = new { content = welcome } });
        if (answer.ErrCode == WelcomeInFlight)
        {
            _ = Task.Run(() => WelcomeAgainAsync(corp, accountId, customerId, code, welcome, clock.UtcNow + WelcomeWindow));
            return;
        }
        await WelcomedAsync(answer, accountId, customerId);
    }

    private async Task WelcomeAgainAsync(WeComCorp corp, string accountId, string customerId, string code, string welcome, DateTimeOffset until)
    {
        try
        {
            WeComAnswer answer;
            do
            {
                await Task.Delay(TimeSpan.FromSeconds(2), clock.Time);
                answer = await client.PostAsync(corp.App, "/cgi-bin/externalcontact/send_welcome_msg", new { welcome_code = code, text = new { content = welcome } });
            }
            while (answer.ErrCode == WelcomeInFlight && clock.UtcNow < until);
            await WelcomedAsync(answer, accountId, customerId);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Npgsql.NpgsqlException)
        {
            WelcomeRefused(logger, accountId, customerId, -2, ex.Message);
        }
    }

    // Sent: the welcome task is done; refused: it stays for a person.
    private async Task WelcomedAsync(WeComAnswer answer, string accountId, string customerId)
    {
        if (!answer.Ok)
        {
            WelcomeRefused(logger, accountId, customerId, answer.ErrCode, answer.ErrMsg);
            return;
        }
        if (await tasks.OpenWelcomeAsync(accountId, customerId) is { } task) await tasks.MarkDoneAsync(task, SentBy, clock.UtcNow);
    }

    private async Task<AccountEntry?> OfCorpAsync(IReadOnlyList<AccountEntry> members, string corpId)
    {
        foreach (var member in members)
            if (await corps.CorpOfAccountAsync(member.Id) == corpId) return member;
        return null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "WeCom added {Customer} to {Account}, which is at its hard cap: not counted. Lower the account's soft cap or raise its reserve")]
    private static partial void OverCap(ILogger logger, string account, string customer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom corp {CorpId}: a callback for member {UserId}, who is no WeCom account of the matrix; ignored")]
    private static partial void UnknownMember(ILogger logger, string corpId, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The welcome to {Customer} on {Account} was not sent by WeCom ({ErrCode} {ErrMsg}); its task stays for a person")]
    private static partial void WelcomeRefused(ILogger logger, string account, string customer, int errCode, string errMsg);
}
