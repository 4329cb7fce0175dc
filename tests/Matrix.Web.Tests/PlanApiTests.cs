using Matrix.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Matrix.Web.Tests;

public sealed class PlanApiTests : ApiTest
{
    private async Task FriendAsync(string customer)
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = ApiTest.UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } });
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added",
            new { accountId = account, externalId = customer, at = DateTimeOffset.UtcNow, idempotencyKey = customer })).StatusCode);
    }

    private async Task<long> PendingAsync(string planId) => (await Reminders.ListAsync(App.ConnectionString, "plan:" + planId)).Count;

    [Fact]
    public async Task A_weekly_plan_starts_for_existing_customers_and_a_disable_withdraws_it()
    {
        await FriendAsync("wx-a");
        var body = new { name = "会员日", trigger = new { kind = "Weekly", day = "Tuesday", at = "10:00" }, template = "周二会员日", delay = new { months = 0, days = 0, time = "00:00:00" } };
        var id = await CreateAsync("/api/plans", body);
        await App.Services.RemindersIdleAsync(); // a plan reaches existing customers in the background
        Assert.Equal(1, await PendingAsync(id));
        Assert.Contains(id, await Http.GetStringAsync("/api/plans"));

        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsJsonAsync($"/api/plans/{id}", new { body.name, body.trigger, body.template, body.delay, enabled = false })).StatusCode);
        await App.Services.RemindersIdleAsync();
        Assert.Equal(0, await PendingAsync(id));
    }

    public static TheoryData<string, string> BadPlans => new()
    {
        { """{"name":"","trigger":{"kind":"FriendAdded"},"template":"hi","delay":{}}""", "name" },
        { """{"name":"n","trigger":{"kind":"Weekly"},"template":"hi","delay":{}}""", "trigger.day" },
        { """{"name":"n","trigger":{"kind":"NoReply","days":0},"template":"hi","delay":{}}""", "trigger.days" },
        { """{"name":"n","trigger":{"kind":"BeforeAttributeDate","days":3},"template":"hi","delay":{}}""", "trigger.attribute" },
        { """{"name":"n","trigger":{"kind":"FriendAdded"},"template":"hi","delay":{"days":-1}}""", "delay" },
        { """{"name":"n","trigger":{"kind":"Someday"},"template":"hi","delay":{}}""", "trigger.kind" },
        { """{"name":"n","trigger":{"kind":"FriendAdded"},"template":"","delay":{}}""", "template" },
    };

    [Theory]
    [MemberData(nameof(BadPlans))]
    public async Task A_bad_plan_answers_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        await FriendAsync("wx-a");
        var before = await SnapshotAsync();
        await AssertProblemAsync(await Http.PostAsync("/api/plans", new StringContent(body, Encoding.UTF8, "application/json")), field);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Editing_a_missing_plan_is_404() =>
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PutAsJsonAsync("/api/plans/plan-none",
            new { name = "n", trigger = new { kind = "FriendAdded" }, template = "hi", delay = new { } })).StatusCode);
}
