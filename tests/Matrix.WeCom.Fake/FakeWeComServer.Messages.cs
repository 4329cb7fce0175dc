using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>A mass message (群发) as WeCom keeps it: the sender's task, and each recipient's status (0 unsent, 1 sent, 2 not a friend, 3 over quota).</summary>
public sealed record FakeMassMessage(string CorpId, string MsgId, string Sender, string Text)
{
    public Dictionary<string, int> Recipients { get; } = [];

    /// <summary>The sender confirmed it on the phone (WeCom sends nothing before).</summary>
    public DateTimeOffset? SentAt { get; set; }
}

/// <summary>
/// Mass messages to customers (WECOM.md §1.10): <c>add_msg_template</c> (single chat: the customers who are not
/// the sender's friends come back in <c>fail_list</c>; none left is 41048), the sender confirming on the phone
/// (<see cref="ConfirmMassMessage"/>), a per-customer quota of mass messages a day whose excess is status 3, and
/// <c>get_groupmsg_task</c> / <c>get_groupmsg_send_result</c> paged by cursor (a limit above the maximum falls back
/// to the default, as WeCom does there).
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly Dictionary<string, FakeMassMessage> _messages = [];
    private readonly Dictionary<(string CorpId, string Customer, DateOnly Day), int> _received = [];

    /// <summary>Mass messages a customer may receive a day (the corp's setting; WeCom's default counts per month).</summary>
    public int MassMessagesPerCustomerPerDay { get; set; } = 1;

    public ConcurrentQueue<JsonObject> MassMessageRequests { get; } = new();

    /// <summary>The sender taps "send" on the phone: each recipient still a friend and within quota receives it.</summary>
    public void ConfirmMassMessage(string msgId)
    {
        lock (_groups)
        {
            var message = _messages[msgId];
            var day = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            message.SentAt = time.GetUtcNow();
            foreach (var customer in message.Recipients.Keys.ToList())
            {
                if (!_follows.Contains((message.CorpId, message.Sender, customer))) message.Recipients[customer] = 2;
                else if (_received.GetValueOrDefault((message.CorpId, customer, day)) >= MassMessagesPerCustomerPerDay) message.Recipients[customer] = 3;
                else
                {
                    _received[(message.CorpId, customer, day)] = _received.GetValueOrDefault((message.CorpId, customer, day)) + 1;
                    message.Recipients[customer] = 1;
                }
            }
        }
    }

    /// <summary>Another app's mass message reached the customer today: it counts against their quota.</summary>
    public void MassMessageReceivedElsewhere(string corpId, string customer)
    {
        lock (_groups)
        {
            var key = (corpId, customer, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
            _received[key] = _received.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>The mass messages sent so far, oldest first.</summary>
    public IReadOnlyList<FakeMassMessage> MassMessages()
    {
        lock (_groups) return [.. _messages.Values];
    }

    private void MapMessages(WebApplication app)
    {
        app.MapPost("/cgi-bin/externalcontact/add_msg_template", async (string? access_token, HttpRequest request) =>
            AddMessage(access_token, await request.ReadFromJsonAsync<JsonObject>()));
        app.MapPost("/cgi-bin/externalcontact/get_groupmsg_send_result", async (string? access_token, HttpRequest request) =>
            SendResult(access_token, await request.ReadFromJsonAsync<JsonObject>()));
    }

    private IResult AddMessage(string? token, JsonObject? body)
    {
        if (Refused(token) is { } refused) return refused;
        if (body is null) return Error(40058, "invalid json");
        MassMessageRequests.Enqueue(body);
        var corpId = _tokens[token!].CorpId;
        var sender = body["sender"]?.GetValue<string>();
        var customers = body["external_userid"]?.AsArray().Select(n => n!.GetValue<string>()).Distinct().ToList() ?? [];
        if ((body["chat_type"]?.GetValue<string>() ?? "single") != "single" || sender is null || customers.Count > 10_000) return Error(40058, "invalid parameter");
        lock (_groups)
        {
            var fail = customers.Where(c => !_follows.Contains((corpId, sender, c))).ToList();
            if (fail.Count == customers.Count) return Error(41048, "no customer can receive this message");
            var message = new FakeMassMessage(corpId, $"msg{_messages.Count + 1:D6}", sender, body["text"]?["content"]?.GetValue<string>() ?? "");
            foreach (var customer in customers.Except(fail)) message.Recipients[customer] = 0;
            _messages[message.MsgId] = message;
            return Results.Json(new { errcode = 0, errmsg = "ok", fail_list = fail, msgid = message.MsgId });
        }
    }

    private IResult SendResult(string? token, JsonObject? body)
    {
        if (Refused(token) is { } refused) return refused;
        var limit = body?["limit"]?.GetValue<int>() is { } asked and > 0 and <= 1000 ? asked : 500;
        var from = int.TryParse(body?["cursor"]?.GetValue<string>(), out var c) ? c : 0;
        lock (_groups)
        {
            if (!_messages.TryGetValue(body?["msgid"]?.GetValue<string>() ?? "", out var message)) return Error(40058, "invalid msgid");
            var rows = message.Recipients.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            var page = rows.Skip(from).Take(limit).Select(r => new { external_userid = r.Key, userid = message.Sender, status = r.Value,
                send_time = r.Value == 1 ? message.SentAt!.Value.ToUnixTimeSeconds() : 0 }).ToArray();
            var next = from + page.Length < rows.Count ? (from + page.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            return Results.Json(new { errcode = 0, errmsg = "ok", send_list = page, next_cursor = next });
        }
    }
}
