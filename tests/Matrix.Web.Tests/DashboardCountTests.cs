using Matrix.Grains.Reports;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Web.Tests;

/// <summary>The dashboard's task tiles count what Today shows: late is overdue by the same rule, done is today's.</summary>
public sealed class DashboardCountTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task Open_late_done_and_follow_ups_are_counted_as_Today_groups_them()
    {
        await using var app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("tiles"), time: new ManualTimeProvider(Noon));
        await app.SignedInAsync();
        var tasks = app.Services.GetRequiredService<TaskStore>();
        async Task<Guid> AddAsync(string account, string kind, DateTimeOffset due)
        {
            var id = Guid.NewGuid();
            await tasks.AddAsync(new WorkTask(id, account, "wx_1", kind, "x", due, "test", "open", null, null, null, null), Noon);
            return id;
        }
        await AddAsync("a-1", "message", Noon.AddHours(-3));   // overdue
        await AddAsync("a-1", "message", Noon.AddMinutes(-30)); // due now: not late
        await AddAsync("a-1", "welcome", Noon.AddHours(5));     // later today
        await AddAsync("a-1", "message", Noon.AddDays(1));      // tomorrow: not today's
        await AddAsync("a-2", "message", Noon.AddHours(-3));    // another account's
        var done = await AddAsync("a-1", "message", Noon.AddHours(-1));
        await app.Services.GetRequiredService<TaskService>().DoneAsync(done, "op");
        var yesterday = await AddAsync("a-1", "message", Noon.AddDays(-1));
        await tasks.MarkDoneAsync(yesterday, "op", Noon.AddDays(-1));

        Assert.Equal(new TaskDay(Open: 3, Late: 1, Done: 1, FollowUpsDue: 2), await app.Services.GetRequiredService<MatrixReports>().TaskDayAsync(["a-1"]));
    }
}
