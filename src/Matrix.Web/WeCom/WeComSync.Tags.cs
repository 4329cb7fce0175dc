using Matrix.Domain.Accounts;
using Matrix.Grains;
using Matrix.Grains.Customers;

namespace Matrix.Web.WeCom;

public sealed partial class WeComSync
{
    /// <summary>The corp's admins changed its tags (<c>change_external_tag</c>): the mirror is read again, its conflicts reported.</summary>
    public async Task MirrorTagsAsync(string corpId)
    {
        if (await corps.GetAsync(corpId) is not { } corp) return;
        if (await mirror.SyncAsync(corp) is { } failed) await CorpFailedAsync(corp, failed, (await CorpStateAsync(corpId)).Attempts + 1);
    }

    /// <summary>
    /// A member edited the customer (<c>edit_external_contact</c>): the relationship's tags are read from WeCom and
    /// Matrix's customer takes them, mirrored tags only: those WeCom added are added, and those the member took off
    /// are taken off (unless a change of Matrix's own is still on its way to WeCom, which then wins).
    /// </summary>
    public async Task ReadTagsAsync(string corpId, string userId, string customerId)
    {
        if (await corps.GetAsync(corpId) is not { } corp) return;
        var account = (await directory.AccountsAsync()).FirstOrDefault(a => a.Profile.Kind == AccountKind.WeCom && a.Profile.WeChatId == userId);
        if (account is null || await customers.GetAsync(customerId) is not { } record) return;
        if ((await outbox.WaitingSubjectsAsync(WeComTagMarks.Kind)).Contains(customerId)) return;
        var answer = await client.TryGetAsync(corp.App, Api + "get", new Dictionary<string, string> { ["external_userid"] = customerId });
        if (!answer.Ok) return; // the nightly sync reads it again
        var follow = (answer.Body["follow_user"]?.AsArray() ?? []).FirstOrDefault(f => f?["userid"]?.GetValue<string>() == userId);
        if (follow is null) return;
        var (idOf, tagOf) = await mirror.MappedAsync(corpId);
        var onWeCom = (follow["tags"]?.AsArray() ?? []).Select(t => t?["tag_id"]?.GetValue<string>()).OfType<string>().Where(tagOf.ContainsKey).Select(t => tagOf[t]).ToHashSet();
        var add = onWeCom.Where(t => !record.Tags.Contains(t)).ToList();
        // Only a tag a person gave in Matrix can be taken off there; a channel's tags come with the friendship.
        var remove = record.State.Tags.Where(t => idOf.ContainsKey(t) && !onWeCom.Contains(t)).ToList();
        if (add.Count + remove.Count > 0) await Conflicts.RetryAsync(() => grains.Get<ICustomerGrain>(customerId).ChangeTags(add, remove, By, clock.UtcNow));
    }
}
