using Matrix.Domain.Accounts;
using Matrix.Domain.Channels;
using Matrix.Grains.Accounts;
using Matrix.Grains.Channels;
using Matrix.Grains.Personas;
using Matrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Grains.Tests;

/// <summary>A cluster with the matrix's grains, and the few steps every test needs to set up a pool.</summary>
internal sealed record PlanTask(DateTimeOffset Due, string Body, string Account, string Customer);

internal static class MatrixCluster
{
    public static Task<TestCluster> StartAsync(int nodes, TimeProvider? time = null, Action<MatrixOptions>? configure = null) =>
        TestCluster.StartAsync(nodes, silo => silo.Services.AddMatrixGrains(configure, clock: time));

    public static T Service<T>(this TestNode node) where T : notnull => node.Services.GetRequiredService<T>();

    /// <summary>Moves the fake clock once the work set to run at once has run.</summary>
    public static async Task AdvanceAsync(this TestCluster cluster, ManualTimeProvider clock, TimeSpan by)
    {
        await cluster.RemindersIdleAsync();
        clock.Advance(by);
    }

    /// <summary>Moves the fake clock and delivers, through <paramref name="node"/>, every reminder that fell due.</summary>
    public static async Task<int> AdvanceAndDeliverAsync(this TestCluster cluster, ManualTimeProvider clock, TestNode node, TimeSpan by)
    {
        await cluster.AdvanceAsync(clock, by);
        return await node.DeliverDueAsync();
    }

    /// <summary>The reminders of one name, as "key:due" pairs by grain key.</summary>
    public static async Task<List<(string Key, DateTimeOffset Due)>> RemindersAsync(this TestCluster cluster, string name) =>
        (await Reminders.ListAsync(cluster.ConnectionString, name)).Select(r => (r.Grain[(r.Grain.IndexOf('/') + 1)..], r.Due)).ToList();

    /// <summary>Completes when <paramref name="node"/> hears of a change to <paramref name="topics"/> made on another node.</summary>
    public static Task WaitForChangeAsync(this TestNode node, Changes.ChangeTopics topics, TimeSpan? timeout = null)
    {
        var feed = node.Service<Changes.ChangeFeed>();
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(Changes.ChangeTopics t)
        {
            if ((t & topics) != 0 && heard.TrySetResult()) feed.Changed -= OnChanged;
        }
        feed.Changed += OnChanged;
        return heard.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>A persona with <paramref name="accounts"/> active sibling accounts and a channel on their pool.</summary>
    public static async Task<string[]> SeedPoolAsync(IGrainFactory grains, int accounts, CapacitySettings capacity, string channel = "table-cards",
        string? welcome = null, string[]? backups = null)
    {
        await grains.Get<IPersonaGrain>("p-optician").Create(new PersonaDetails("眼镜店小林", "/img/lin.png", "帮你选到合适的眼镜",
            new PersonaProfile(28, "warm", "optician", Tone: "friendly")));
        var ids = Enumerable.Range(1, accounts).Select(i => $"a-{i}").ToArray();
        foreach (var id in ids)
            await grains.Get<IAccountGrain>(id).Create(
                new AccountSettings($"wx_{id}", AccountKind.PersonalWeChat, 1, "op-1", $"/qr/{id}.png", capacity, Roster.AlwaysOn),
                "p-optician", AccountRole.Traffic, AccountStatus.Active, "test");
        await grains.Get<IChannelGrain>(channel).Create(new ChannelDefinition("Table cards", "p-optician", null, "store-01-table", ["walk-in"], welcome, backups ?? []));
        return ids;
    }

    public static async Task<List<(string Account, int Friends, int Reserved)>> LedgerAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("select account_id, friends, reserved from account_ledger order by account_id", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, int, int)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        return rows;
    }

    /// <summary>The tasks follow-up plans made, by due time then customer.</summary>
    public static async Task<List<PlanTask>> PlanTasksAsync(this TestCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        // Every plan task ever made: those closed long ago have moved to the archive (Matrix:TasksHotFor).
        await using var cmd = new NpgsqlCommand("""
            select due_at, body, account_id, customer_id from tasks where origin like 'plan:%'
            union all select due_at, body, account_id, customer_id from tasks_archive where origin like 'plan:%'
            order by due_at, customer_id
            """, connection);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<PlanTask>();
        while (await r.ReadAsync()) list.Add(new(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), r.GetString(3)));
        return list;
    }

    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
