using Matrix.Domain.Accounts;
using Matrix.Domain.Campaigns;
using Matrix.Domain.FollowUps;
using Npgsql;

namespace Matrix.Grains.Tasks;

/// <summary>
/// A message to place for a customer (a plan's touch, a campaign's message) within the one message budget and its
/// account's daily task budget.
/// </summary>
/// <param name="Task">The task; its due time is where the daily budget starts unless <paramref name="DueWhenBudgetAllows"/>.</param>
/// <param name="Wanted">The earliest the message may go.</param>
/// <param name="Deadline">The latest the message budget may put it; later, nothing is placed.</param>
/// <param name="Account">The sending account (its shifts and daily budget; null: always on shift, no limit).</param>
/// <param name="DueWhenBudgetAllows">The task is due when the budget allows (a campaign's), not at its own due time (a plan's touch, which waits instead).</param>
/// <param name="KeepEarliestDue">A full day keeps its earliest-due tasks, whatever order they were placed in (plans' ticks arrive in no set order).</param>
public sealed record MessageRequest(WorkTask Task, DateTimeOffset Wanted, DateTimeOffset Deadline, AccountProfile? Account,
    bool DueWhenBudgetAllows, bool KeepEarliestDue);

/// <summary>What became of a request: placed (due at <paramref name="PlacedAt"/>) or not, and when the budget first allows it.</summary>
/// <param name="BudgetAt">The earliest time the message budget, quiet hours and the account's shifts allow (null for a task placed before).</param>
public sealed record MessagePlacement(Guid TaskId, DateTimeOffset? PlacedAt, DateTimeOffset? BudgetAt);

public sealed partial class TaskStore
{
    /// <summary>The first key of a customer's message-budget lock (<c>pg_advisory_xact_lock(1297, hashtext(customer id))</c>).</summary>
    public const int BudgetLock = 1297;

    /// <summary>
    /// Places messages in one transaction. The budget is read from the tasks themselves: touches done (any task done
    /// for the customer but a service message) and messages placed and not yet done (plans' and campaigns' open
    /// tasks), so plans and campaigns, on any node, hold one another back. Each customer's budget is read and written
    /// under an advisory lock on the customer, each account's day counts under the account's (the customers' first,
    /// then the accounts', each in key order: two placements never wait on each other in a circle). A request whose
    /// task exists (placed before: a retried tick, a chunk cut short) reports that task and places nothing.
    /// </summary>
    public async Task<IReadOnlyList<MessagePlacement>> PlaceMessagesAsync(IReadOnlyList<MessageRequest> requests, QuietHours quiet, FrequencyCap cap,
        TimeZoneInfo zone, DateTimeOffset now)
    {
        if (requests.Count == 0) return [];
        var customers = requests.Select(r => r.Task.CustomerId!).Distinct().ToArray();
        var budgeted = requests.Where(r => r.Account?.Capacity.DailyTasks is not null).Select(r => r.Task.AccountId).Distinct().ToArray();
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var locks = new NpgsqlCommand("select pg_advisory_xact_lock($2, k) from (select distinct hashtext(c) k from unnest($1::text[]) c order by 1) s", connection, tx)
                     { Parameters = { new() { Value = customers }, new() { Value = BudgetLock } } })
            await locks.ExecuteNonQueryAsync();
        await using (var locks = new NpgsqlCommand("select pg_advisory_xact_lock(k) from (select distinct hashtext('tasks:' || a) k from unnest($1::text[]) a order by 1) s", connection, tx)
                     { Parameters = { new() { Value = budgeted } } })
            await locks.ExecuteNonQueryAsync();

        var existing = new Dictionary<Guid, DateTimeOffset>();
        await using (var read = new NpgsqlCommand("select id, due_at from tasks where id = any($1)", connection, tx)
                     { Parameters = { new() { Value = requests.Select(r => r.Task.Id).ToArray() } } })
        await using (var r = await read.ExecuteReaderAsync())
            while (await r.ReadAsync()) existing[r.GetGuid(0)] = r.GetFieldValue<DateTimeOffset>(1);

        var from = requests.Min(r => r.Wanted) - cap.Window;
        var counted = customers.ToDictionary(c => c, _ => new List<DateTimeOffset>());
        await using (var read = new NpgsqlCommand("""
            select customer_id, coalesce(done_at, due_at) from tasks
             where customer_id = any($1) and kind <> $3
               and ((status = 'done' and done_at >= $2) or (status = 'skipped' and done_by = $4 and done_at >= $2)
                    or (status = 'open' and (origin like 'plan:%' or origin like 'campaign:%') and due_at >= $2))
            """, connection, tx) { Parameters = { new() { Value = customers }, new() { Value = from.ToUniversalTime() }, new() { Value = MessageBudget.ServiceKind },
                new() { Value = MessageBudget.RefusedForQuota } } })
        await using (var r = await read.ExecuteReaderAsync())
            while (await r.ReadAsync()) counted[r.GetString(0)].Add(r.GetFieldValue<DateTimeOffset>(1));

        var perDay = new Dictionary<(string Account, DateOnly Day), int>();
        if (budgeted.Length > 0)
        {
            var firstDay = TimeZoneInfo.ConvertTime(requests.Min(r => r.Task.DueAt < r.Wanted ? r.Task.DueAt : r.Wanted), zone);
            await using var read = new NpgsqlCommand("""
                select account_id, (due_at at time zone $3)::date, count(*)::int from tasks
                 where account_id = any($1) and (origin like 'plan:%' or origin like 'campaign:%') and due_at >= $2 group by 1, 2
                """, connection, tx);
            read.Parameters.Add(new() { Value = budgeted });
            read.Parameters.Add(new() { Value = new DateTimeOffset(firstDay.Date, firstDay.Offset).ToUniversalTime() });
            read.Parameters.Add(new() { Value = zone.Id });
            await using var r = await read.ExecuteReaderAsync();
            while (await r.ReadAsync()) perDay[(r.GetString(0), r.GetFieldValue<DateOnly>(1))] = r.GetInt32(2);
        }

        var results = new List<MessagePlacement>(requests.Count);
        var placed = new List<(WorkTask Task, DateTimeOffset Planned)>();
        foreach (var request in requests)
        {
            var task = request.Task;
            if (existing.TryGetValue(task.Id, out var due))
            {
                results.Add(new(task.Id, due, null));
                continue;
            }
            var own = counted[task.CustomerId!];
            var roster = request.Account?.Roster ?? Roster.AlwaysOn;
            if (MessageBudget.Place(request.Wanted, request.Deadline, quiet, cap, own, roster, zone) is not { } budgetAt)
            {
                results.Add(new(task.Id, null, MessageBudget.Earliest(request.Wanted, quiet, cap, own, roster, zone)));
                continue;
            }
            var start = request.DueWhenBudgetAllows ? budgetAt : task.DueAt;
            var (at, inTime) = MessageBudget.OnQueue(start, request.Deadline, quiet, cap, own, roster, zone, request.Account?.Capacity.DailyTasks,
                day => perDay.GetValueOrDefault((task.AccountId, day)));
            if (!inTime)
            {
                results.Add(new(task.Id, null, at));
                continue;
            }
            var wanted = TimeZoneInfo.ConvertTime(start, zone);
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
            if (request.KeepEarliestDue && day > DateOnly.FromDateTime(wanted.DateTime) && await SwapLaterAsync(connection, tx, task, wanted, at))
                at = start; // it keeps its day, the later one carried to where it would have gone: the day's count is unchanged
            else
                perDay[(task.AccountId, day)] = perDay.GetValueOrDefault((task.AccountId, day)) + 1;
            own.Add(at);
            placed.Add((task with { DueAt = at }, start));
            results.Add(new(task.Id, at, budgetAt));
        }

        if (placed.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                insert into tasks (id, account_id, customer_id, kind, body, due_at, origin, status, created_at, planned_at)
                select t.id, t.account_id, t.customer_id, t.kind, t.body, t.due_at, t.origin, 'open', $8, t.planned_at
                  from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $9::timestamptz[])
                       as t(id, account_id, customer_id, kind, body, due_at, origin, planned_at)
                """, connection, tx);
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.Id).ToArray() });
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.AccountId).ToArray() });
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.CustomerId).ToArray() });
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.Kind).ToArray() });
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.Body).ToArray() });
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.DueAt.ToUniversalTime()).ToArray() });
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Task.Origin).ToArray() });
            insert.Parameters.Add(new() { Value = now.ToUniversalTime() });
            // When each was wanted on its day: what a full day's swap compares (the earliest-due keep their day).
            insert.Parameters.Add(new() { Value = placed.Select(p => p.Planned.ToUniversalTime()).ToArray() });
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        Announce(placed.Count);
        return results;
    }

    /// <summary>
    /// Ticks due together are delivered in no set order. When the wanted day is full but holds a follow-up that was
    /// due later than this one, this one takes its slot and that one is carried to <paramref name="carriedTo"/>.
    /// </summary>
    private static async Task<bool> SwapLaterAsync(NpgsqlConnection connection, NpgsqlTransaction tx, WorkTask task, DateTimeOffset wanted, DateTimeOffset carriedTo)
    {
        await using var swap = new NpgsqlCommand("""
            update tasks set due_at = $4 where id = (
                select id from tasks
                where account_id = $1 and (origin like 'plan:%' or origin like 'campaign:%') and status = 'open' and due_at >= $2 and due_at < $2 + interval '1 day'
                  and coalesce(planned_at, due_at) > $3
                order by coalesce(planned_at, due_at) desc, id desc limit 1)
            """, connection, tx);
        swap.Parameters.Add(new() { Value = task.AccountId });
        swap.Parameters.Add(new() { Value = new DateTimeOffset(wanted.Date, wanted.Offset).ToUniversalTime() });
        swap.Parameters.Add(new() { Value = task.DueAt.ToUniversalTime() });
        swap.Parameters.Add(new() { Value = carriedTo.ToUniversalTime() });
        return await swap.ExecuteNonQueryAsync() == 1;
    }
}
