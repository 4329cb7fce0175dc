using Matrix.Domain.Imports;

namespace Matrix.Grains.Imports;

/// <summary>Commits a checked import in the background (keyed by the job's id).</summary>
public interface IImportJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the commit, or (called again) makes sure it goes on.</summary>
    Task Commit(string by);
}

/// <summary>
/// A hundred thousand rows are too many for the request that commits them. The job takes <see cref="Chunk"/> rows
/// without an outcome per tick, commits them, records their outcomes and arms itself again at once; its reminder
/// carries it over a node's restart (the rows of a chunk cut short have no outcome and are done again, idempotently).
/// The grain keeps nothing of its own: the job's rows are its state.
/// </summary>
public sealed class ImportJobGrain(ImportStore store, ImportChecker checker, ImportCommitter committer, StoreClock clock) : MatrixGrain, IImportJobGrain, IRemindable
{
    public const int Chunk = 100;
    private const string Tick = "import";

    async Task IImportJobGrain.Commit(string by)
    {
        var id = Guid.Parse(GrainKey);
        await store.BeginCommitAsync(id, by, clock.UtcNow);
        await WakeAtAsync(Tick, clock.UtcNow);
    }

    async Task IRemindable.ReceiveReminder(string name, TickStatus status)
    {
        var id = Guid.Parse(GrainKey);
        if (await store.JobAsync(id) is not { Status: ImportStatus.Committing } job)
        {
            await CancelWakeAsync(Tick);
            return;
        }
        var rows = await store.PendingAsync(id, Chunk);
        if (rows.Count == 0)
        {
            await store.FinishAsync(id, clock.UtcNow);
            await CancelWakeAsync(Tick);
            return;
        }
        var reader = await checker.ReaderAsync([.. job.Headers.Select(ImportColumns.Match)]);
        await store.RecordAsync(id, await committer.CommitAsync(job, reader, rows));
        await WakeAtAsync(Tick, clock.UtcNow);
    }
}
