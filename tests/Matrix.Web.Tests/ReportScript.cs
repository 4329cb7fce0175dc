using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Grains.Reports;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Web.Tests;

/// <summary>
/// A report test's script: a node on a fake clock that starts on 2026-07-01 10:00 in Beijing (the server in UTC), and
/// the steps a script takes (let time pass with the nightly job run, add, delete, touch).
/// </summary>
public abstract class ReportScript(string database) : IAsyncLifetime
{
    protected static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    protected readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 7, 1, 10, 0, 0, Beijing));
    protected MatrixApp _app = null!;
    protected HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _app = new MatrixApp(await TestPostgres.CreateDatabaseAsync(database), time: _clock);
        _admin = await _app.SignedInAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    protected async Task AtAsync(int month, int day, int hour = 10)
    {
        var to = new DateTimeOffset(2026, month, day, hour, 0, 0, Beijing);
        _clock.Advance(to - _clock.GetUtcNow());
        await FactsSettledAsync(_app.ConnectionString);
        // The nightly job, as every node runs it: every ended day written, once.
        var snapshots = _app.Services.GetRequiredService<RelationshipSnapshots>();
        var yesterday = DateOnly.FromDateTime(to.DateTime).AddDays(-1);
        await using var db = NpgsqlDataSource.Create(_app.ConnectionString);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var wrote = await snapshots.WriteDueAsync(); // another node's job (the app's own schedule) may hold the lock: wait for it
            var last = await db.CreateCommand("select max(day) from snapshot_days").ExecuteScalarAsync();
            if (last is DateOnly d && d >= yesterday) break;
            // Nothing to write before the first event's day (the script's first day).
            var first = await db.CreateCommand("select min((at at time zone 'Asia/Shanghai')::date) from relationship_events").ExecuteScalarAsync();
            if (last is not DateOnly && (first is not DateOnly f || f > yesterday)) break;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"snapshots written up to {last}, wanted {yesterday} (this call wrote {wrote}); events {await db.CreateCommand("select count(*) || ' from ' || min(at) from relationship_events").ExecuteScalarAsync()}; "
                    + $"store today {_app.Services.GetRequiredService<Matrix.Grains.StoreClock>().Today}");
            await Task.Delay(20);
        }
    }

    protected async Task AddAsync(string account, string customer, string? channel) => Ok(await _admin.PostAsJsonAsync("/api/events/friend-added",
        new { accountId = account, externalId = customer, at = _clock.GetUtcNow(), idempotencyKey = $"add-{customer}-{account}-{_clock.GetUtcNow():O}", channel }));

    protected async Task DeleteAsync(string account, string customer, bool byCustomer = true) => Ok(await _admin.PostAsJsonAsync("/api/events/friend-deleted",
        new { accountId = account, externalId = customer, at = _clock.GetUtcNow(), idempotencyKey = $"del-{customer}-{account}-{_clock.GetUtcNow():O}", byCustomer }));

    /// <summary>Waits until no customer's facts are due (the nodes' refreshers have caught up with every change).</summary>
    internal static async Task FactsSettledAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((long)(await db.CreateCommand("select count(*) from customer_index where facts_due_at is not null").ExecuteScalarAsync())! > 0)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("customer facts still due after 3 minutes");
            await Task.Delay(50);
        }
    }

    protected async Task TouchAsync(string account, string? customer, string origin, string kind = "message", string? category = null) =>
        Ok(await _admin.PostAsync($"/api/tasks/{await TaskAsync(account, customer, origin, kind, category)}/done", null));

    /// <summary>A task due now on the account's queue, as a plan, a post or a re-home would place it.</summary>
    protected async Task<Guid> TaskAsync(string account, string? customer, string origin, string kind = "message", string? category = null)
    {
        var id = Guid.NewGuid();
        var now = _clock.GetUtcNow();
        await _app.Services.GetRequiredService<TaskStore>().AddAsync(new WorkTask(id, account, customer, kind, "回访", now, origin, "open", null, null, null, null) { Category = category }, now);
        return id;
    }

    protected async Task<string> CreateAsync(string path, object body)
    {
        var response = await _admin.PostAsJsonAsync(path, body);
        Ok(response);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Posts <paramref name="body"/> to <paramref name="path"/> and expects a 400 problem+json naming <paramref name="field"/>.</summary>
    protected async Task ProblemAsync(string path, object body, string field)
    {
        var response = await _admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), $"{field} not named in {text}");
    }

    protected static void Ok(HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
}
