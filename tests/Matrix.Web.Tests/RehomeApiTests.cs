using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Matrix.Web.Tests;

public sealed class RehomeApiTests : ApiTest
{
    private Task<string> AccountAsync(string persona, string weChatId, int hardCap) => CreateAsync("/api/accounts", new
    {
        personaId = persona, role = "Sales", status = "Active",
        settings = new { weChatId, kind = "PersonalWeChat", capacity = new { hardCap, softCap = hardCap, reserve = 0, dailyBudget = (int?)null } },
    });

    private async Task AddFriendAsync(string account, string customer) =>
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = customer, at = DateTimeOffset.UtcNow, idempotencyKey = $"{account}:{customer}" })).StatusCode);

    private async Task<JsonElement> AccountViewAsync(string id) => await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{id}");

    [Fact]
    public async Task A_banned_accounts_customers_move_to_siblings_with_room_through_tasks_a_person_completes()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "设计师安娜" });
        var lost = await AccountAsync(persona, "wx_anna_1", 10);
        var sibling = await AccountAsync(persona, "wx_anna_2", 3);
        foreach (var c in new[] { "c1", "c2", "c3" }) await AddFriendAsync(lost, c);
        await AddFriendAsync(sibling, "c0"); // room for 2 more

        var refused = await Http.PostAsJsonAsync($"/api/accounts/{lost}/rehome", new { });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode); // still active, operator still there

        await Http.PostAsJsonAsync($"/api/accounts/{lost}/status", new { status = "Banned" });
        var plan = await (await Http.PostAsJsonAsync($"/api/accounts/{lost}/rehome", new { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, plan.GetProperty("planned").GetInt32());
        Assert.Equal("NoRoom", plan.GetProperty("unplaced")[0].GetProperty("reason").GetString());
        Assert.Equal((1, 2), ((await AccountViewAsync(sibling)).GetProperty("friends").GetInt32(), (await AccountViewAsync(sibling)).GetProperty("reserved").GetInt32()));

        var tasks = await Http.GetFromJsonAsync<JsonElement>($"/api/accounts/{lost}/tasks");
        Assert.Equal(2, tasks.GetArrayLength());
        Assert.All(tasks.EnumerateArray(), t => Assert.Equal(("introduce", "wx_anna_2"), (t.GetProperty("kind").GetString(), t.GetProperty("body").GetString())));

        var first = tasks[0].GetProperty("id").GetString();
        Assert.Equal("done", (await (await Http.PostAsync($"/api/tasks/{first}/done", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        Assert.Equal("already-done", (await (await Http.PostAsync($"/api/tasks/{first}/done", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        var after = await AccountViewAsync(sibling);
        Assert.Equal((2, 1), (after.GetProperty("friends").GetInt32(), after.GetProperty("reserved").GetInt32())); // counts from the moment it is done

        // Planning again leaves the planned moves alone and still finds no room for the third customer.
        var again = await (await Http.PostAsJsonAsync($"/api/accounts/{lost}/rehome", new { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, 1, 1), (again.GetProperty("planned").GetInt32(), again.GetProperty("alreadyPlanned").GetInt32(), again.GetProperty("unplaced").GetArrayLength()));
    }

    [Fact]
    public async Task An_unknown_task_or_account_is_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync($"/api/tasks/{Guid.NewGuid()}/done", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsJsonAsync("/api/accounts/a-nobody/rehome", new { })).StatusCode);
    }
}
