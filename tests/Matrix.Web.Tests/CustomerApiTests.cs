using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Matrix.Web.Tests;

public sealed class CustomerApiTests : ApiTest
{
    private async Task<string> FriendAsync(string customer)
    {
        var persona = await CreateAsync("/api/personas", new { nickname = "小林" });
        var account = await CreateAsync("/api/accounts", new { personaId = persona, role = "Sales", status = "Active", settings = new { weChatId = ApiTest.UniqueWeChatId("wx_lin"), kind = "PersonalWeChat" } });
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = customer, at = DateTimeOffset.UtcNow, idempotencyKey = customer })).StatusCode);
        return account;
    }

    private async Task<string> OutcomeAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString()!;
    }

    [Fact]
    public async Task Purchases_count_once_move_the_class_and_a_refund_reverses_one()
    {
        var account = await FriendAsync("wx-zhang");
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        object Order(string id, decimal amount) => new { accountId = account, externalId = "wx-zhang", orderId = id, amount, at, items = new[] { new { sku = "lens-a", category = "lenses", qty = 2 } } };

        Assert.Equal("recorded", await OutcomeAsync("/api/events/purchase", Order("o-1", 1200)));
        Assert.Equal("duplicate", await OutcomeAsync("/api/events/purchase", Order("o-1", 1200)));
        Assert.Equal("recorded", await OutcomeAsync("/api/events/purchase", new { customerId = "wx-zhang", orderId = "o-2", amount = 800m, at }));

        var customer = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-zhang");
        Assert.Equal(("C", "Repeat", 2), (customer.GetProperty("class").GetString(), customer.GetProperty("stage").GetString(), customer.GetProperty("purchases").GetArrayLength()));
        Assert.True(customer.GetProperty("score").GetProperty("spend").GetInt32() > 0);

        Assert.Equal("refunded", await OutcomeAsync("/api/events/refund", new { orderId = "o-2", at = DateTimeOffset.UtcNow }));
        Assert.Equal("already-refunded", await OutcomeAsync("/api/events/refund", new { orderId = "o-2", at = DateTimeOffset.UtcNow }));
        customer = await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-zhang");
        Assert.Equal(("B", "FirstPurchase"), (customer.GetProperty("class").GetString(), customer.GetProperty("stage").GetString()));
    }

    [Theory]
    [InlineData("""{"customerId":"wx-zhang","orderId":"","amount":10,"at":"2026-11-20T10:00:00Z"}""", HttpStatusCode.BadRequest, "orderId")]
    [InlineData("""{"customerId":"wx-zhang","orderId":"o-9","amount":-10,"at":"2026-11-20T10:00:00Z"}""", HttpStatusCode.BadRequest, "amount")]
    [InlineData("""{"customerId":"wx-zhang","orderId":"o-9","amount":"ten","at":"2026-11-20T10:00:00Z"}""", HttpStatusCode.BadRequest, "amount")]
    [InlineData("""{"customerId":"wx-zhang","orderId":"o-9","amount":10,"at":"2026-11-20T10:00:00Z","items":[{"sku":"x","qty":0}]}""", HttpStatusCode.BadRequest, "items[0].qty")]
    [InlineData("""{"orderId":"o-9","amount":10,"at":"2026-11-20T10:00:00Z"}""", HttpStatusCode.BadRequest, "customerId")]
    [InlineData("""{"accountId":"a-other","externalId":"wx-zhang","orderId":"o-9","amount":10,"at":"2026-11-20T10:00:00Z"}""", HttpStatusCode.BadRequest, "accountId")]
    [InlineData("""{"customerId":"wx-nobody","orderId":"o-9","amount":10,"at":"2026-11-20T10:00:00Z"}""", HttpStatusCode.NotFound, "")]
    public async Task A_bad_purchase_answers_with_the_reason_and_records_nothing(string body, HttpStatusCode expected, string field)
    {
        await FriendAsync("wx-zhang");
        var response = await Http.PostAsync("/api/events/purchase", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(expected, response.StatusCode);
        if (field.Length > 0) Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, (await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-zhang")).GetProperty("purchases").GetArrayLength());
    }

    [Fact]
    public async Task An_order_id_never_counts_for_two_customers()
    {
        var account = await FriendAsync("wx-a");
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsJsonAsync("/api/events/friend-added", new { accountId = account, externalId = "wx-b", at = DateTimeOffset.UtcNow, idempotencyKey = "b" })).StatusCode);
        Assert.Equal("recorded", await OutcomeAsync("/api/events/purchase", new { customerId = "wx-a", orderId = "o-1", amount = 5m, at = DateTimeOffset.UtcNow }));
        var other = await Http.PostAsJsonAsync("/api/events/purchase", new { customerId = "wx-b", orderId = "o-1", amount = 5m, at = DateTimeOffset.UtcNow });
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Equal(0, (await Http.GetFromJsonAsync<JsonElement>("/api/customers/wx-b")).GetProperty("purchases").GetArrayLength());
    }
}
