using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>One customer's transfer as WeCom runs it: waiting from <see cref="At"/> until taken over 24 h later, or refused.</summary>
public sealed record FakeTransfer(string CorpId, string Handover, string Takeover, string ExternalUserId, bool Resigned, DateTimeOffset At)
{
    /// <summary>1 done, 2 waiting, 3 refused by the customer, 4 the takeover member at the customer limit.</summary>
    public int Status { get; set; } = 2;

    public DateTimeOffset TakeoverAt => At.AddHours(24);
}

/// <summary>
/// Customer transfers (WECOM.md §1.12): <c>transfer_customer</c> (on-job) and <c>resigned/transfer_customer</c>
/// answer per customer (0 means "taken over in 24 h", not done): 40131 not the handover's customer, 40130 handover
/// is takeover, 40129 already waiting, 40128 a third on-job transfer within 90 days, and 40097 for a handover who
/// has not resigned. <c>transfer_result</c> and <c>resigned/transfer_result</c> page through a pair's transfers. The
/// test moves time and calls <see cref="CompleteDueTransfersAsync"/>: each due transfer is done, with an add
/// callback for the takeover and a <c>del_external_contact</c> (DELETE_BY_TRANSFER) for the handover; a customer
/// refusing gets <c>transfer_fail</c>.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly HashSet<(string CorpId, string UserId, string ExternalUserId)> _follows = [];
    private readonly HashSet<(string CorpId, string UserId)> _resigned = [];
    private readonly List<FakeTransfer> _transfers = [];

    /// <summary>How many transfer_result rows a page holds (WeCom: 1,000); a test sets less to page.</summary>
    public int TransferPageSize { get; set; } = 1000;

    /// <summary>The member leaves the corp: their customers can now be given away with the resigned API.</summary>
    public void Resign(string corpId, string userId)
    {
        lock (_groups) _resigned.Add((corpId, userId));
    }

    /// <summary>The customer's transfers, oldest first.</summary>
    public IReadOnlyList<FakeTransfer> TransfersOf(string externalUserId)
    {
        lock (_groups) return [.. _transfers.Where(t => t.ExternalUserId == externalUserId)];
    }

    /// <summary>The customer turns the transfer down: status 3 and a <c>transfer_fail</c> callback.</summary>
    public async Task RefuseTransferAsync(string externalUserId)
    {
        FakeTransfer transfer;
        lock (_groups)
        {
            transfer = _transfers.Last(t => t.ExternalUserId == externalUserId && t.Status == 2);
            transfer.Status = 3;
        }
        await DeliverAsync(transfer.CorpId, Event(transfer.CorpId, "transfer_fail", transfer.Takeover, externalUserId, "<FailReason><![CDATA[customer_refused]]></FailReason>"));
    }

    /// <summary>Every waiting transfer 24 h old is done; its callbacks go out unless <paramref name="notify"/> is false (lost).</summary>
    public async Task CompleteDueTransfersAsync(bool notify = true)
    {
        List<(FakeTransfer Transfer, bool WasFriend)> due;
        lock (_groups)
        {
            due = [.. _transfers.Where(t => t.Status == 2 && t.TakeoverAt <= time.GetUtcNow()).Select(t => (t, _follows.Contains((t.CorpId, t.Takeover, t.ExternalUserId))))];
            foreach (var (t, _) in due)
            {
                t.Status = 1;
                _follows.Remove((t.CorpId, t.Handover, t.ExternalUserId));
                _follows.Add((t.CorpId, t.Takeover, t.ExternalUserId));
            }
        }
        if (!notify) return;
        foreach (var (t, wasFriend) in due)
        {
            // No add event when the takeover was already the customer's friend (WeCom's rule).
            if (!wasFriend) await DeliverAsync(t.CorpId, Event(t.CorpId, "add_external_contact", t.Takeover, t.ExternalUserId, "<State><![CDATA[]]></State>"));
            await DeliverAsync(t.CorpId, Event(t.CorpId, "del_external_contact", t.Handover, t.ExternalUserId, "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>"));
        }
    }

    private void MapTransfers(WebApplication app)
    {
        app.MapPost("/cgi-bin/externalcontact/transfer_customer", async (string? access_token, HttpRequest request) =>
            Transfer(access_token, await request.ReadFromJsonAsync<JsonObject>(), resigned: false));
        app.MapPost("/cgi-bin/externalcontact/resigned/transfer_customer", async (string? access_token, HttpRequest request) =>
            Transfer(access_token, await request.ReadFromJsonAsync<JsonObject>(), resigned: true));
        app.MapPost("/cgi-bin/externalcontact/transfer_result", async (string? access_token, HttpRequest request) =>
            TransferResult(access_token, await request.ReadFromJsonAsync<JsonObject>(), resigned: false));
        app.MapPost("/cgi-bin/externalcontact/resigned/transfer_result", async (string? access_token, HttpRequest request) =>
            TransferResult(access_token, await request.ReadFromJsonAsync<JsonObject>(), resigned: true));
    }

    private IResult Transfer(string? token, JsonObject? body, bool resigned)
    {
        if (Refused(token) is { } refused) return refused;
        var corpId = _tokens[token!].CorpId;
        var handover = body?["handover_userid"]?.GetValue<string>() ?? "";
        var takeover = body?["takeover_userid"]?.GetValue<string>() ?? "";
        var customers = body?["external_userid"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
        if (customers.Count is < 1 or > 100) return Error(40058, "external_userid must hold 1 to 100 customers");
        lock (_groups)
        {
            if (resigned && !_resigned.Contains((corpId, handover))) return Error(40097, "handover user has not resigned");
            var now = time.GetUtcNow();
            var answers = customers.Select(c => new { external_userid = c, errcode = Accept(corpId, handover, takeover, c, resigned, now) }).ToArray();
            return Results.Json(new { errcode = 0, errmsg = "ok", customer = answers });
        }
    }

    // One customer of a transfer call (the lock is held).
    private int Accept(string corpId, string handover, string takeover, string customer, bool resigned, DateTimeOffset now)
    {
        if (handover == takeover) return 40130;
        if (!_follows.Contains((corpId, handover, customer))) return 40131;
        var theirs = _transfers.Where(t => t.CorpId == corpId && t.ExternalUserId == customer).ToList();
        if (theirs.Any(t => t.Status == 2)) return 40129;
        if (!resigned && theirs.Count(t => !t.Resigned && now - t.At < TimeSpan.FromDays(90)) >= 2) return 40128;
        _transfers.Add(new(corpId, handover, takeover, customer, resigned, now));
        return 0;
    }

    private IResult TransferResult(string? token, JsonObject? body, bool resigned)
    {
        if (Refused(token) is { } refused) return refused;
        var corpId = _tokens[token!].CorpId;
        var handover = body?["handover_userid"]?.GetValue<string>() ?? "";
        var takeover = body?["takeover_userid"]?.GetValue<string>() ?? "";
        var from = int.TryParse(body?["cursor"]?.GetValue<string>(), out var c) ? c : 0;
        lock (_groups)
        {
            var rows = _transfers.Where(t => t.CorpId == corpId && t.Handover == handover && t.Takeover == takeover && t.Resigned == resigned).ToList();
            var page = rows.Skip(from).Take(TransferPageSize)
                .Select(t => new { external_userid = t.ExternalUserId, status = t.Status, takeover_time = t.TakeoverAt.ToUnixTimeSeconds() }).ToArray();
            var next = from + page.Length < rows.Count ? (from + page.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            return Results.Json(new { errcode = 0, errmsg = "ok", customer = page, next_cursor = next });
        }
    }
}
