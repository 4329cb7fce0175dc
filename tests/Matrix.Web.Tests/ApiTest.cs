using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>A test class with its own Matrix node on a fresh database, and an HTTP client to it.</summary>
public abstract class ApiTest : IAsyncLifetime
{
    protected MatrixApp App { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await MatrixApp.StartAsync();
        Http = await App.SignedInAsync();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>A WeChat ID no other account of the class's database has (an ID belongs to one account).</summary>
    public static string UniqueWeChatId(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>POSTs and returns the new resource's id, failing with the server's answer if it was not created.</summary>
    /// <summary>
    /// Walks a keyset-paged list (<c>limit</c>, the <c>X-Next-Cursor</c> header sent back as <c>cursor</c>) and returns
    /// each row's <paramref name="idProperty"/> in the order served; every page holds between one and <paramref name="limit"/> rows.
    /// </summary>
    protected async Task<List<string>> WalkPagesAsync(string path, string idProperty, int limit)
    {
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var response = await Http.GetAsync($"{path}{(path.Contains('?') ? '&' : '?')}limit={limit}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            var page = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(r => r.GetProperty(idProperty).GetString()!).ToList();
            Assert.InRange(page.Count, 1, limit);
            seen.AddRange(page);
            cursor = response.Headers.TryGetValues("X-Next-Cursor", out var next) ? next.Single() : null;
        }
        while (cursor is not null);
        return seen;
    }

    protected async Task<string> CreateAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Asserts a 400 problem+json whose errors name <paramref name="field"/>, and returns that field's first message.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {body}");
        return messages[0].GetString()!;
    }

    /// <summary>Every row the matrix keeps, as text: equal before and after means nothing changed.</summary>
    protected async Task<string> SnapshotAsync()
    {
        // The background's own writes first: customers' facts refreshed, segments counted.
        await ReportScript.FactsSettledAsync(App.ConnectionString);
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        for (var deadline = DateTime.UtcNow.AddMinutes(2); (long)(await new NpgsqlCommand(
                 "select count(*) from segments where deleted_at is null and counted_version is distinct from version", connection).ExecuteScalarAsync())! > 0;)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("segments still uncounted after 2 minutes");
            await Task.Delay(50);
        }
        var parts = new List<string>();
        foreach (var table in new[] { "orleansstorage", "directory", "customer_index", "account_ledger", "account_reservations", "account_friends", "friend_events", "tasks", "alerts", "purchase_orders", "orleansreminderstable", "operators", "api_keys", "segments", "segment_members", "campaigns", "campaign_recipients", "referral_campaigns", "referral_inviters", "referral_scans", "referral_arrivals", "referral_revocations", "referral_rewards", "group_codes", "group_code_groups", "group_code_history", "wecom_corps", "wecom_contact_ways", "wecom_transfers", "wecom_messages", "wecom_tokens", "wecom_moments", "wecom_tags", "wecom_outbox", "wecom_corp_syncs", "wecom_account_syncs", "wecom_sync_seen" })
        {
            await using var cmd = new NpgsqlCommand($"select coalesce(string_agg(t::text, '|' order by t::text), '') from {table} t", connection);
            parts.Add($"{table}: {await cmd.ExecuteScalarAsync()}");
        }
        return string.Join("\n", parts);
    }
}
