using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Domain.Access;

namespace Matrix.Web.Tests;

/// <summary>A lead's reports count their team's customers only; an admin's count everyone's; bad ranges are refused naming the field.</summary>
public sealed class ReportScopeTests : ApiTest
{
    [Fact]
    public async Task A_leads_report_counts_only_their_teams_customers_and_says_so()
    {
        var world = await TwoTeams.SeedAsync(App, Http);
        Assert.True((await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = world["B.account"], externalId = "south-2", at = DateTimeOffset.UtcNow, idempotencyKey = "s2" })).IsSuccessStatusCode);
        var lead = await App.SignedInAsync("lead-north", OperatorRole.Lead, "north");

        var north = await lead.GetFromJsonAsync<JsonElement>("/api/reports/growth?by=month");
        Assert.Equal("团队 north", north.GetProperty("scope").GetString());
        Assert.Equal(1, north.GetProperty("periods").EnumerateArray().Sum(p => p.GetProperty("added").GetInt32()));
        var all = await Http.GetFromJsonAsync<JsonElement>("/api/reports/growth?by=month");
        Assert.Equal("全部账号", all.GetProperty("scope").GetString());
        Assert.Equal(3, all.GetProperty("periods").EnumerateArray().Sum(p => p.GetProperty("added").GetInt32()));
        Assert.Equal(3, all.GetProperty("periods").EnumerateArray().Last().GetProperty("friends").GetInt32());

        // The other reports count over the same scope: the lead's account report lists north's accounts only.
        var accounts = await lead.GetFromJsonAsync<JsonElement>("/api/reports/accounts");
        Assert.Equal("团队 north", accounts.GetProperty("scope").GetString());
        Assert.Contains(world["A.account"], accounts.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("accountId").GetString()));
        Assert.DoesNotContain(world["B.account"], accounts.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("accountId").GetString()));
        Assert.Equal(1, accounts.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("added").GetInt32()));
        Assert.Equal(1, (await lead.GetFromJsonAsync<JsonElement>("/api/reports/channels")).GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("added").GetInt32()));
        Assert.Equal(3, (await Http.GetFromJsonAsync<JsonElement>("/api/reports/channels")).GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("added").GetInt32()));

        await AssertProblemAsync(await Http.GetAsync("/api/reports/growth?from=2026-02-30"), "from");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/accounts?to=tomorrow"), "to");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/channels?from=2026-02-30"), "from");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/repurchase?from=2026-10-01&to=2026-09-01"), "to");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/tags?format=pdf"), "format");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/growth?from=2026-10-01&to=2026-09-01"), "to");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/growth?from=2024-01-01&to=2026-01-01"), "to");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/growth?by=hour"), "by");
        await AssertProblemAsync(await Http.GetAsync("/api/reports/touches?format=pdf"), "format");
    }
}
