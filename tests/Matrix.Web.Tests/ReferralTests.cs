using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Matrix.Web.Tests;

/// <summary>
/// Referral campaigns through the API on a fake clock (Beijing store, UTC server): four campaigns, one per pair of
/// flag values, meet the same script of arrivals (two accounts, a second inviter, the inviter themself, a friend
/// from before, a deletion and a re-add, a second before and after the window), and each counts as its flags say;
/// hundreds of concurrent adds count exactly and grant each reward once.
/// </summary>
public sealed class ReferralTests() : ReportScript("referrals")
{
    private static readonly DateTimeOffset Start = new(2026, 7, 2, 0, 0, 0, Beijing), End = new(2026, 7, 9, 0, 0, 0, Beijing);

    [Fact]
    public async Task Each_invitee_counts_once_as_the_flags_say_and_a_deletion_within_the_days_takes_the_credit_back()
    {
        var (a, b, channel) = await MatrixAsync();
        var campaigns = new List<(bool NewOnly, bool Revoke, string Id, string P)>();
        foreach (var newOnly in new[] { false, true })
            foreach (var revoke in new[] { false, true })
            {
                var p = $"{(newOnly ? "n" : "a")}{(revoke ? "r" : "k")}"; // each campaign's own invitees: earlier friendships are matrix-wide
                campaigns.Add((newOnly, revoke, await CampaignAsync(channel, newOnly, revoke, levels: [new(2, "清洗券", 20m), new(4, "镜片八折", 100m)]), p));
                foreach (var customer in new[] { "old", "i1", "i2" }) await AddAsync(a, $"{p}-{customer}", null);
            }
        At(new(2026, 7, 1, 11, 0, 0, Beijing));
        foreach (var c in campaigns) await DeleteAsync(a, $"{c.P}-old");
        var states = new Dictionary<(string, string), string>();
        foreach (var c in campaigns)
            foreach (var inviter in new[] { "i1", "i2" }) states[(c.Id, inviter)] = await PosterStateAsync(c.Id, $"{c.P}-{inviter}");

        async Task Arrive(string account, string invitee, string inviter)
        {
            foreach (var c in campaigns) await AddAsync(account, invitee.Replace("*", c.P), null, states[(c.Id, inviter)]);
        }

        At(Start.AddSeconds(-1));
        await Arrive(a, "*-early", "i1");
        At(Start.AddHours(10));
        await Arrive(a, "*-n1", "i1");
        await Arrive(b, "*-n1", "i1");              // the same person on a second account
        At(Start.AddHours(11));
        await Arrive(a, "*-n2", "i2");
        await Arrive(b, "*-n2", "i1");              // and invited by a second inviter
        At(Start.AddHours(12));
        foreach (var c in campaigns) await AddAsync(b, $"{c.P}-i1", null, states[(c.Id, "i1")]); // the inviter scanning their own poster
        At(Start.AddDays(1).AddHours(10));
        await Arrive(a, "*-old", "i1");             // a friend from before the campaign, deleted since
        At(Start.AddDays(2).AddHours(9));
        foreach (var c in campaigns) await DeleteAsync(a, $"{c.P}-n1");
        foreach (var c in campaigns) Assert.DoesNotContain((await InviterAsync(c.Id, $"{c.P}-i1")).Arrivals, x => x.RevokedAt is not null); // still a friend on B
        At(Start.AddDays(2).AddHours(10));
        foreach (var c in campaigns) await DeleteAsync(b, $"{c.P}-n1");
        At(Start.AddDays(2).AddHours(11));
        await Arrive(a, "*-n1", "i2");              // deleted and added again, by another inviter
        At(Start.AddDays(3).AddHours(10));
        await Arrive(a, "*-n3", "i1");
        At(Start.AddDays(6).AddHours(10).AddMinutes(1));
        foreach (var c in campaigns) await DeleteAsync(a, $"{c.P}-n3"); // three days and a minute after its credit
        At(End);
        await Arrive(b, "*-end", "i1");
        At(End.AddSeconds(1));
        await Arrive(b, "*-late", "i1");

        foreach (var (newOnly, revoke, id, p) in campaigns)
        {
            var i1 = await InviterAsync(id, $"{p}-i1");
            var expected = new List<string>
            {
                $"{p}-early outside_window", $"{p}-n1 credited{(revoke ? " revoked" : "")}", $"{p}-n1 already_credited", $"{p}-n2 already_credited", $"{p}-i1 self",
                $"{p}-old {(newOnly ? "not_new" : "credited")}", $"{p}-n3 credited", $"{p}-end outside_window", $"{p}-late outside_window",
            };
            Assert.Equal(expected, i1.Arrivals.Select(x => $"{x.InviteeId} {x.Outcome}{(x.RevokedAt is null ? "" : " revoked")}"));
            var credited = newOnly ? 2 : 3;
            var revoked = revoke ? 1 : 0;
            Assert.Equal((credited, revoked, credited - revoked), (i1.Standing!.Credited, i1.Standing.Revoked, i1.Standing.Standing));
            // Two standing credits reach the first level; a reward once granted stays granted (without "new only", on July 3rd, before n1 left).
            Assert.Equal(newOnly && revoke ? [] : [2], i1.Rewards.Select(r => r.Friends));
            var i2 = await InviterAsync(id, $"{p}-i2");
            Assert.Equal([$"{p}-n2 credited", $"{p}-n1 already_credited"], i2.Arrivals.Select(x => $"{x.InviteeId} {x.Outcome}"));

            var leaders = await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{id}/leaderboard");
            // By standing, then who got there first: with both flags, i1 stands at one, as i2 has since July 2nd.
            Assert.Equal(newOnly && revoke ? [$"{p}-i2", $"{p}-i1"] : [$"{p}-i1", $"{p}-i2"], leaders.EnumerateArray().Select(l => l.GetProperty("inviterId").GetString()));

            var report = (await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{id}/report")).GetProperty("totals");
            // Invitees once each (the inviter scanning their own poster is nobody's invitee): early, n1, n2, old, n3, end, late.
            Assert.Equal(7, report.GetProperty("invitees").GetInt32());
            Assert.Equal((6, 1), (report.GetProperty("new").GetInt32(), report.GetProperty("existing").GetInt32()));
            Assert.Equal(credited + 1, report.GetProperty("credited").GetInt32());
        }
    }

    [Fact]
    public async Task Five_hundred_concurrent_adds_for_fifty_inviters_count_exactly_and_each_reward_is_granted_once()
    {
        var (a, b, channel) = await MatrixAsync();
        var campaign = await CampaignAsync(channel, newOnly: true, revoke: false, levels: [new(3, "清洗券", 20m), new(10, "镜片八折", 100m)]);
        var inviters = Enumerable.Range(0, 50).Select(i => $"inv{i:00}").ToList();
        foreach (var inviter in inviters) await AddAsync(a, inviter, null);
        var states = new Dictionary<string, string>();
        foreach (var inviter in inviters) states[inviter] = await PosterStateAsync(campaign, inviter);
        At(Start.AddHours(10));

        // Ten invitees each; each invitee also arrives on the second account, and a fifth of the events are sent twice.
        // A hundred at a time (the node's database pool), in an order that makes them collide: an invitee's adds and
        // replay side by side, an inviter's ten invitees side by side (their credits race for the same count).
        var events = new List<(string Account, string Invitee, string State, string Key)>();
        for (var i = 0; i < 500; i++)
        {
            var (inviter, invitee) = (inviters[i / 10], $"guest{i:000}");
            events.Add((a, invitee, states[inviter], $"a-{invitee}"));
            events.Add((b, invitee, states[inviter], $"b-{invitee}"));
            if (i % 5 == 0) events.Add((a, invitee, states[inviter], $"a-{invitee}"));
        }
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (e, _) => Ok(await Send(e.Account, e.Invitee, e.State, e.Key)));

        var leaders = await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{campaign}/leaderboard");
        Assert.Equal(inviters, leaders.EnumerateArray().Select(l => l.GetProperty("inviterId").GetString()).Order(StringComparer.Ordinal));
        Assert.All(leaders.EnumerateArray(), l => Assert.Equal((10, 10), (l.GetProperty("credited").GetInt32(), l.GetProperty("refused").GetInt32())));
        var rewards = (await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{campaign}/rewards")).EnumerateArray().ToList();
        Assert.Equal(100, rewards.Count);
        Assert.All(inviters, i => Assert.Equal([3, 10], rewards.Where(r => r.GetProperty("inviterId").GetString() == i).Select(r => r.GetProperty("friends").GetInt32()).Order()));
        Assert.Equal(100, rewards.Select(r => r.GetProperty("code").GetString()).Distinct().Count());

        // Two people at two counters hand out the same reward at once: one redemption stands, and both are told whose.
        var code = rewards[0].GetProperty("code").GetString();
        var lead = await _app.SignedInAsync("lead-a", Matrix.Domain.Access.OperatorRole.Admin);
        var marks = await Task.WhenAll(_admin.PostAsync($"/api/referrals/{campaign}/rewards/{code}/redeem", null), lead.PostAsync($"/api/referrals/{campaign}/rewards/{code}/redeem", null));
        var by = await Task.WhenAll(marks.Select(async m => { Ok(m); return (await m.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("redeemedBy").GetString(); }));
        Assert.Single(by.Distinct());
        Assert.Contains(by[0], new[] { "root", "lead-a" });
        Assert.Equal(99, (await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{campaign}/rewards?pending=true")).GetArrayLength());
    }

    [Fact]
    public async Task A_campaign_and_a_poster_refuse_bad_input_naming_the_field_and_change_nothing()
    {
        var (a, _, channel) = await MatrixAsync();
        await AddAsync(a, "i1", null);
        await ProblemAsync("/api/referrals", new { name = "x", channelId = channel, startsAt = End, endsAt = Start, levels = new[] { new { friends = 3, reward = "券" } } }, "endsAt");
        await ProblemAsync("/api/referrals", new { name = "x", channelId = "no-such", startsAt = Start, endsAt = End, levels = new[] { new { friends = 3, reward = "券" } } }, "channelId");
        await ProblemAsync("/api/referrals", new { name = "x", channelId = channel, startsAt = Start, endsAt = End, levels = Array.Empty<object>() }, "levels");
        await ProblemAsync("/api/referrals", new { name = "x", channelId = channel, endsAt = End, levels = new[] { new { friends = 3, reward = "券" } } }, "startsAt");
        await ProblemAsync("/api/referrals", new { name = "x", channelId = channel, startsAt = Start, endsAt = End, revokeOnDelete = true, revokeWithinDays = 0,
            levels = new[] { new { friends = 3, reward = "券" } } }, "revokeWithinDays");
        Assert.Equal(0, (await _admin.GetFromJsonAsync<JsonElement>("/api/referrals")).GetArrayLength());

        var campaign = await CampaignAsync(channel, newOnly: true, revoke: false, levels: [new(3, "清洗券", null)]);
        await ProblemAsync($"/api/referrals/{campaign}/posters", new { inviterId = "nobody-we-know" }, "inviterId");
        await ProblemAsync("/api/events/friend-added", new { accountId = a, externalId = "g1", at = _clock.GetUtcNow(), idempotencyKey = "k-g1", referral = "r.x.y" }, "referral");
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/referrals/abcdef/leaderboard")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync($"/api/referrals/{campaign}/rewards/nocode/redeem", null)).StatusCode);

        // A poster's page: an unknown token is a friendly 404; before the window it says when the campaign starts (in the
        // store's time, on a UTC server) and holds no slot; in the window it shows the code and holds one.
        var unknown = await _admin.GetAsync($"/r/{campaign}/abcdefgh");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("二维码已失效", await unknown.Content.ReadAsStringAsync());
        var poster = (await (await _admin.PostAsJsonAsync($"/api/referrals/{campaign}/posters", new { inviterId = "i1" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString();
        var early = await (await _admin.GetAsync(poster)).Content.ReadAsStringAsync();
        Assert.Contains("活动将于 2026-07-02 00:00 开始", early);
        Assert.DoesNotContain("class=\"qr\"", early);
        Assert.Equal(0L, await ScalarAsync("select count(*) from account_reservations"));
        At(Start.AddHours(1));
        Assert.Contains("class=\"qr\"", await (await _admin.GetAsync(poster)).Content.ReadAsStringAsync());
        Assert.Equal(1L, await ScalarAsync("select count(*) from referral_scans"));

        // A state naming no inviter (a forged poster) adds the friend and credits nobody.
        await AddAsync(a, "g2", null, $"r.{campaign}.abcdefgh");
        Assert.Equal(0, (await _admin.GetFromJsonAsync<JsonElement>($"/api/referrals/{campaign}/leaderboard")).GetArrayLength());
    }

    private async Task<(string A, string B, string Channel)> MatrixAsync()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var a = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_a", kind = "PersonalWeChat" } });
        var b = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = "wx_b", kind = "PersonalWeChat" } });
        Ok(await _admin.PostAsJsonAsync("/api/channels", new { id = "invite", channel = new { name = "老带新", personaId = persona, state = "invite" } }));
        return (a, b, "invite");
    }

    private async Task<string> CampaignAsync(string channel, bool newOnly, bool revoke, Matrix.Domain.Referrals.RewardLevel[] levels) =>
        await CreateAsync("/api/referrals", new { name = "暑期老带新", channelId = channel, startsAt = Start, endsAt = End, newOnly, revokeOnDelete = revoke,
            revokeWithinDays = revoke ? 3 : 0, levels });

    private async Task<string> PosterStateAsync(string campaign, string inviter)
    {
        var response = await _admin.PostAsJsonAsync($"/api/referrals/{campaign}/posters", new { inviterId = inviter });
        Ok(response);
        var poster = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/r/{campaign}/{poster.GetProperty("token").GetString()}", poster.GetProperty("path").GetString());
        return poster.GetProperty("state").GetString()!;
    }

    private async Task AddAsync(string account, string customer, string? channel, string referral) => Ok(await Send(account, customer, referral,
        $"add-{customer}-{account}-{_clock.GetUtcNow():O}", channel));

    private Task<HttpResponseMessage> Send(string account, string customer, string referral, string key, string? channel = null) =>
        _admin.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = customer, at = _clock.GetUtcNow(), idempotencyKey = key, channel, referral });

    private async Task<Matrix.Web.Referrals.InviterView> InviterAsync(string campaign, string inviter) =>
        (await _admin.GetFromJsonAsync<Matrix.Web.Referrals.InviterView>($"/api/referrals/{campaign}/inviters/{inviter}", Json))!;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(_app.ConnectionString);
        return await db.CreateCommand(sql).ExecuteScalarAsync();
    }

    private void At(DateTimeOffset to) => _clock.Advance(to - _clock.GetUtcNow());
}
