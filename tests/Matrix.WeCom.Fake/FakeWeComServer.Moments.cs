using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Matrix.WeCom.Fake;

/// <summary>An enterprise Moments job (WECOM.md §1.11): its senders and text, and how many times it was asked about.</summary>
public sealed record FakeMomentJob(string CorpId, string JobId, IReadOnlyList<string> Senders, string Text)
{
    public int Polls { get; set; }
}

/// <summary>
/// Enterprise Moments: <c>add_moment_task</c> (text within 2,000 characters; text and attachments not both empty)
/// answers a job id, and <c>get_moment_task_result</c> reports the job started, running, then done after
/// <see cref="MomentJobPolls"/> polls, with a moment id and the senders WeCom would not take
/// (<see cref="InvalidSenders"/>). Members still publish on their phones.
/// </summary>
public sealed partial class FakeWeComServer
{
    private readonly Dictionary<string, FakeMomentJob> _momentJobs = [];

    /// <summary>Polls before a job is done (status 3).</summary>
    public int MomentJobPolls { get; set; } = 2;

    /// <summary>Members WeCom refuses as senders (not in the app's visibility, say).</summary>
    public ConcurrentDictionary<string, bool> InvalidSenders { get; } = new();

    public IReadOnlyList<FakeMomentJob> MomentJobs()
    {
        lock (_groups) return [.. _momentJobs.Values];
    }

    private void MapMoments(WebApplication app)
    {
        app.MapPost("/cgi-bin/externalcontact/add_moment_task", async (string? access_token, HttpRequest request) =>
        {
            if (Refused(access_token) is { } refused) return refused;
            var body = await request.ReadFromJsonAsync<JsonObject>();
            var text = body?["text"]?["content"]?.GetValue<string>() ?? "";
            if (text.Length > 2000) return Error(40058, "invalid text size");
            if (text.Length == 0 && body?["attachments"] is null) return Error(40058, "text and attachments are both empty");
            var senders = body?["visible_range"]?["sender_list"]?["user_list"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
            lock (_groups)
            {
                var job = new FakeMomentJob(_tokens[access_token!].CorpId, $"job{_momentJobs.Count + 1:D6}", senders, text);
                _momentJobs[job.JobId] = job;
                return Results.Json(new { errcode = 0, errmsg = "ok", jobid = job.JobId });
            }
        });
        app.MapGet("/cgi-bin/externalcontact/get_moment_task_result", (string? access_token, string? jobid) =>
        {
            if (Refused(access_token) is { } refused) return refused;
            lock (_groups)
            {
                if (!_momentJobs.TryGetValue(jobid ?? "", out var job)) return Error(40058, "invalid jobid");
                job.Polls++;
                var status = job.Polls >= MomentJobPolls ? 3 : job.Polls == 1 ? 1 : 2;
                if (status != 3) return Results.Json(new { errcode = 0, errmsg = "ok", status, type = "add_moment_task" });
                var invalid = job.Senders.Where(InvalidSenders.ContainsKey).ToArray();
                return Results.Json(new
                {
                    errcode = 0,
                    errmsg = "ok",
                    status,
                    type = "add_moment_task",
                    result = new { errcode = 0, errmsg = "ok", moment_id = $"mom{job.JobId}", invalid_sender_list = new { user_list = invalid, department_list = Array.Empty<int>() } },
                });
            }
        });
    }
}
