using Matrix.Storage;
using Matrix.Domain.Accounts;
using Matrix.Domain.FollowUps;
using Matrix.Grains;
using Matrix.Grains.Accounts;
using Matrix.Grains.Customers;
using Matrix.Grains.FollowUps;
using Matrix.Grains.Personas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Matrix.Bench;

/// <summary>
/// Follow-ups due for many customers at once (a campaign, or a node coming back after an outage): every customer
/// runs one plan whose touch is due at the same instant. Each tick is the real path: a fresh silo's reminder service
/// loads the reminders from its table and fires them, the customer grain activates (reading its state), re-reads the
/// plan, places the touch, finds the owning account, renders the template, inserts the task within the account's
/// daily budget, saves its state and removes its reminder. The reminders fire the follow-up lead (an hour) ahead of
/// the touches, as the customer grain registers them. Measured: tasks created per second and lateness (task created
/// minus due: negative when on the queue ahead of its minute). The raw column is the plain insert of as many task
/// rows from the same number of callers.
/// </summary>
internal static class FollowUpBench
{
    private const int Accounts = 10;

    public static async Task RunAsync(string connectionString, BenchSettings settings, Report report)
    {
        var count = settings.FollowUps;
        await using var db = DatabaseConnections.Create(connectionString);
        using (var setup = await StartAsync(connectionString))
        {
            var grains = setup.Services.GetRequiredService<IGrainFactory>();
            await grains.Get<IPersonaGrain>("fu-persona").Create(new PersonaDetails("小林", null, null, new PersonaProfile()));
            var capacity = new CapacitySettings { HardCap = 20_000, SoftCap = 20_000, Reserve = 0, DailyBudget = null, DailyTasks = null };
            for (var i = 0; i < Accounts; i++)
                await grains.Get<IAccountGrain>($"fu-{i}").Create(new AccountSettings($"wxfu{i}", AccountKind.WeCom, 1, null, null, capacity, Roster.AlwaysOn),
                    "fu-persona", AccountRole.Sales, AccountStatus.Active, "bench");
            await setup.Services.GetRequiredService<FollowUpService>().CreatePlanAsync("fu", new FollowUpPlan("bench", new PlanTrigger(TriggerKind.FriendAdded),
                new PlanFilter(), default, null, "{nickname}您好，我是{persona_name}", new PlanEnd()));
            await setup.Services.GetRequiredService<ImmediateWork>().WhenIdle(); // the plan's rollout
            await setup.StopAsync();
        }

        // The customers and their friendships are written straight into the tables; each customer's plan is started
        // through its grain (the state, the index row and the reminder, as a friend add leaves them), due tomorrow.
        // Then, with no node running, every touch is made due a few seconds from now, in the state and the reminder
        // alike: as after an outage, or a campaign's instant. Setting up is not what is measured.
        await Execute(db, $"insert into account_friends (account_id, external_id, added_at) select 'fu-' || (i % {Accounts}), 'c' || i, now() from generate_series(1, {count}) i");
        using (var setup = await StartAsync(connectionString))
        {
            var grains = setup.Services.GetRequiredService<IGrainFactory>();
            var anchor = DateTimeOffset.UtcNow.AddDays(1);
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) <= count) await grains.Get<ICustomerGrain>($"c{i}").StartPlan("fu", anchor);
            })));
            await setup.StopAsync();
        }
        // The touches are due in an hour and ten seconds; their reminders, registered the lead ahead as a customer
        // grain registers them (Matrix:FollowUpLead, an hour by default), fire ten seconds from now, all at once.
        var lead = new MatrixOptions().FollowUpLead;
        var due = DateTimeOffset.UtcNow.AddSeconds(10) + lead;
        await Execute(db, """
            update orleansstorage
               set payloadbinary = convert_to(jsonb_set(convert_from(payloadbinary, 'UTF8')::jsonb, '{plans,fu,dueAt}', to_jsonb($1::timestamptz))::text, 'UTF8')
             where graintypestring = 'customer'
            """, due);
        await Execute(db, "update orleansreminderstable set starttime = $1 where remindername = 'plan:fu'", due - lead);
        await Execute(db, "analyze");

        using var node = await StartAsync(connectionString);
        while (await Scalar(db, "select count(*) from tasks where origin = 'plan:fu'") < count) await Task.Delay(500);
        await node.StopAsync();
        var seconds = await Scalar<double>(db, "select extract(epoch from max(created_at) - $1) from tasks where origin = 'plan:fu'", due - lead);
        var p50 = await Scalar<double>(db, "select percentile_cont(0.5) within group (order by extract(epoch from created_at - due_at)) from tasks where origin = 'plan:fu'");
        var p99 = await Scalar<double>(db, "select percentile_cont(0.99) within group (order by extract(epoch from created_at - due_at)) from tasks where origin = 'plan:fu'");

        var raw = await RawInsertRateAsync(db, count, settings.Concurrency);
        report.Add($"follow-up tasks created / s ({count:N0} customers due at once)", $"{count / seconds:N0}", $"{raw:N0} plain task inserts / s", $"{count / seconds / raw:P0} of raw");
        var late = await Scalar(db, "select count(*) from tasks where origin = 'plan:fu' and created_at > due_at");
        report.Add($"follow-up lateness p50 / p99 (created minus due; placed from {lead.TotalMinutes:N0} minutes ahead)", $"{p50:N1} s / {p99:N1} s",
            $"{late:N0} of {count:N0} created after their minute", "");
    }

    private static Task<IHost> StartAsync(string connectionString) => Nodes.StartAsync(connectionString, s =>
    {
        // Quiet hours off: the run must not depend on the hour it is started at.
        s.Configure<MatrixOptions>(o => (o.QuietFrom, o.QuietTo) = (new TimeOnly(0, 0), new TimeOnly(0, 0)));
    });

    private static async Task<double> RawInsertRateAsync(NpgsqlDataSource db, int count, int concurrency)
    {
        var next = -1;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await using var cmd = db.CreateCommand("insert into tasks (id, account_id, customer_id, kind, body, due_at, origin, created_at) values ($1, $2, $3, 'message', 'hi', now(), 'raw', now())");
                cmd.Parameters.Add(new() { Value = Guid.NewGuid() });
                cmd.Parameters.Add(new() { Value = $"fu-{i % Accounts}" });
                cmd.Parameters.Add(new() { Value = $"c{i}" });
                await cmd.ExecuteNonQueryAsync();
            }
        })));
        return count / watch.Elapsed.TotalSeconds;
    }

    private static async Task Execute(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a is DateTimeOffset t ? t.ToUniversalTime() : a });
        cmd.CommandTimeout = 600;
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(NpgsqlDataSource db, string sql) => Convert.ToInt64(await ScalarObject(db, sql));

    private static async Task<T> Scalar<T>(NpgsqlDataSource db, string sql, params object[] args) => (T)Convert.ChangeType((await ScalarObject(db, sql, args))!, typeof(T));

    private static async Task<object?> ScalarObject(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new() { Value = a is DateTimeOffset t ? t.ToUniversalTime() : a });
        return await cmd.ExecuteScalarAsync();
    }
}
