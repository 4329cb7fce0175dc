using Matrix.Domain.Access;
using Matrix.Domain.Accounts;
using Matrix.Grains.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Capacity;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Matrix.Grains.Reports;
using Matrix.Grains.Tasks;
using Matrix.Testing;
using Matrix.Web.ConsoleModel;
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

    [Fact]
    public async Task A_chains_dashboard_shows_its_twenty_fullest_accounts_and_charts_its_five_busiest_channels_with_the_rest_together()
    {
        await using var app = new MatrixApp(await TestPostgres.CreateDatabaseAsync("chain_dash"), time: new ManualTimeProvider(Noon));
        await app.SignedInAsync();
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        var friends = app.Services.GetRequiredService<FriendEventService>();
        await grains.Get<IPersonaGrain>("p-chain").Create(new PersonaDetails("店长", null, null, new PersonaProfile()));
        for (var c = 0; c < 8; c++)
            await grains.Get<IChannelGrain>($"ch-{c}").Create(new ChannelDefinition($"渠道{c}", "p-chain", null, $"ch{c}", [], null, []));
        // 25 accounts; account i holds i friends, through channel i % 8 (eight channels, the busiest the highest).
        for (var i = 0; i < 25; i++)
        {
            await grains.Get<IAccountGrain>($"a-{i:D2}").Create(new AccountSettings($"wx_chain_{i:D2}", AccountKind.PersonalWeChat, 1, null, null,
                new CapacitySettings { DailyBudget = null }, Roster.AlwaysOn), "p-chain", AccountRole.Sales, AccountStatus.Active, "test");
            for (var f = 0; f < i; f++)
                await friends.AddedAsync(new FriendAddedEvent($"a-{i:D2}", $"wx_{i}_{f}", Noon.AddHours(-1), $"add-{i}-{f}", $"ch-{i % 8}"));
        }

        var dashboard = await app.Services.GetRequiredService<DashboardDesk>().LoadAsync(People.Signed("root", OperatorRole.Admin, null));
        Assert.Equal(25, dashboard.Accounts.Count);
        Assert.Equal(Enumerable.Range(5, 20).Reverse().Select(i => $"a-{i:D2}"), dashboard.Fullest.Select(r => r.Id));
        // Adds per channel: ch-0 holds accounts 8, 16, 24 (48 friends), ch-7 holds 7, 15, 23 (45), ... ch-1 the fewest.
        Assert.Equal(["ch-0", "ch-4", "ch-5", "ch-6", "ch-7"], dashboard.ChartedChannels.Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, 25).Sum(), dashboard.Adds.Sum(a => a.Friends));

        // Past days are counted once per node; an add confirmed late, dated yesterday, is counted all the same.
        var yesterday = DateOnly.FromDateTime(Noon.AddDays(-1).DateTime);
        Assert.DoesNotContain(dashboard.Adds, a => a.Day == yesterday);
        await friends.AddedAsync(new FriendAddedEvent("a-00", "wx_late", Noon.AddDays(-1), "add-late", "ch-3"));
        var again = await app.Services.GetRequiredService<DashboardDesk>().LoadAsync(People.Signed("root", OperatorRole.Admin, null));
        Assert.Equal(new DailyAdds(yesterday, "ch-3", 1), Assert.Single(again.Adds, a => a.Day == yesterday));
    }
}
