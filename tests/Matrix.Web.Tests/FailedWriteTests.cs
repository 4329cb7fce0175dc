using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Testing;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// A state write that fails half-way through a request (its connection's backend is terminated mid-statement), then
/// the client's retry: the retry completes every step the first attempt did not, and nothing is done twice.
/// </summary>
public sealed class FailedWriteTests : ApiTest
{
    /// <summary>The next write of a customer grain's state kills its own connection, once.</summary>
    private async Task BreakNextCustomerWriteAsync()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            create sequence if not exists test_write_failures;
            select setval('test_write_failures', 1, false);
            create or replace function test_kill_once() returns trigger language plpgsql as $$
            begin
                if new.graintypestring = 'customer' and nextval('test_write_failures') = 1 then
                    perform pg_terminate_backend(pg_backend_pid());
                end if;
                return new;
            end $$;
            drop trigger if exists test_kill_once on orleansstorage;
            create trigger test_kill_once before insert or update on orleansstorage for each row execute function test_kill_once();
            """, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<(string Account, string Plan)> WorldAsync()
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = UniqueWeChatId("wx"), kind = "PersonalWeChat" } });
        var plan = await CreateAsync("/api/plans", new { name = "回访", trigger = new { kind = "FriendAdded" }, template = "你好", delay = new { days = 3 } });
        await App.Services.RemindersIdleAsync();
        return (account, plan);
    }

    private async Task<int> PlanRemindersAsync(string plan, string customer) =>
        (await Reminders.ListAsync(App.ConnectionString, "plan:" + plan)).Count(r => r.Grain.EndsWith("/" + customer, StringComparison.Ordinal));

    [Fact]
    public async Task A_friend_add_whose_follow_up_write_failed_is_completed_by_its_retry_once()
    {
        var (account, plan) = await WorldAsync();
        await BreakNextCustomerWriteAsync();
        var add = new { accountId = account, externalId = "wx-lost", at = DateTimeOffset.UtcNow, idempotencyKey = "add-lost" };

        var first = await Http.PostAsJsonAsync("/api/events/friend-added", add);
        // The ledger committed; the plan did not start.
        Assert.True(first.StatusCode >= HttpStatusCode.InternalServerError, $"{first.StatusCode}: {await first.Content.ReadAsStringAsync()}");
        Assert.Equal(0, await PlanRemindersAsync(plan, "wx-lost"));

        var retry = await Http.PostAsJsonAsync("/api/events/friend-added", add);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("duplicate", (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        Assert.Equal(1, await PlanRemindersAsync(plan, "wx-lost"));
        var customer = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-lost");
        Assert.Equal(1, customer.GetProperty("accounts").GetArrayLength());

        // A third send changes nothing more.
        var before = await SnapshotAsync();
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added", add)).StatusCode);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_purchase_whose_state_write_failed_is_recorded_once_by_its_retry()
    {
        var (account, _) = await WorldAsync();
        var added = await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = "wx-buyer", at = DateTimeOffset.UtcNow, idempotencyKey = "add-buyer" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        await BreakNextCustomerWriteAsync();
        var purchase = new { customerId = "wx-buyer", orderId = "till-77", amount = 680m, at = DateTimeOffset.UtcNow, items = new[] { new { sku = "lens", qty = 2, category = "lenses" } } };

        var first = await Http.PostAsJsonAsync("/api/events/purchase", purchase);
        Assert.True(first.StatusCode >= HttpStatusCode.InternalServerError, $"{first.StatusCode}: {await first.Content.ReadAsStringAsync()}");
        Assert.Equal(0, (await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-buyer")).GetProperty("purchases").GetArrayLength());

        var retry = await Http.PostAsJsonAsync("/api/events/purchase", purchase);
        Assert.True(retry.StatusCode == HttpStatusCode.OK, await retry.Content.ReadAsStringAsync());
        Assert.Equal("recorded", (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        var again = await Http.PostAsJsonAsync("/api/events/purchase", purchase);
        Assert.Equal("duplicate", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        var customer = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-buyer");
        Assert.Equal(1, customer.GetProperty("purchases").GetArrayLength());
    }
}
