using System.Security.Claims;
using System.Security.Cryptography;
using Matrix.Domain.Imports;
using Matrix.Grains;
using Matrix.Grains.Imports;
using Matrix.Web.Access;
using Matrix.Web.ConsoleModel;
using Matrix.Web.Exports;
using Microsoft.Extensions.Localization;

namespace Matrix.Web.Imports;

/// <summary>
/// Imports as the console and the API offer them: a file checked (the dry run) and stored as a job, then committed
/// in the background. A job is its importer's (and every admin's); the rows may name only accounts the importer sees.
/// </summary>
public sealed class ImportDesk(ImportChecker checker, ImportStore store, IGrainFactory grains, AccessService access, AuditLog audit, Refusals refusals,
    IStringLocalizer<Ui> text)
{
    public async Task<ImportJob> CheckAsync(ClaimsPrincipal user, string fileName, byte[] bytes, ImportMode mode, string? accountId)
    {
        var sheet = SheetReader.Read(bytes, ImportChecker.RowsMax);
        var scope = AccessService.ViewerOf(user).IsAdmin ? null : (await access.VisibleAccountsAsync(user)).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        var job = await checker.CheckAsync(new(name.Length is 0 or > 200 ? "upload" : name, hash, sheet.Format, sheet.Encoding, mode,
            string.IsNullOrWhiteSpace(accountId) ? null : accountId.Trim(), sheet.Headers, sheet.Rows, scope, AccountDesk.By(user)));
        await audit.WriteAsync(AccountDesk.By(user), "import.checked", job.Id.ToString(),
            $"{job.FileName}; {job.Format} {job.Encoding}; sha256 {hash}; {job.RowsTotal} rows; {Counts(job.Verdicts)}");
        return job;
    }

    public async Task<ImportJob> JobAsync(ClaimsPrincipal user, Guid id) =>
        await store.JobAsync(id) is { } job && Owns(user, job) ? job : throw new KeyNotFoundException($"import {id}");

    /// <summary>The newest imports the reader may see: their own, or everyone's for an admin.</summary>
    public Task<IReadOnlyList<ImportJob>> JobsAsync(ClaimsPrincipal user) =>
        store.JobsAsync(AccessService.ViewerOf(user).IsAdmin ? null : AccountDesk.By(user), 20);

    public async Task<IReadOnlyList<CheckedRow>> RowsAsync(ClaimsPrincipal user, Guid id, ImportVerdict? verdict, int after, int limit)
    {
        await JobAsync(user, id);
        return await store.RowsAsync(id, verdict, after, Math.Clamp(limit, 1, 1_000));
    }

    /// <summary>Starts the commit; committing again (a retried request) makes sure it goes on and changes nothing else.</summary>
    public async Task<ImportJob> CommitAsync(ClaimsPrincipal user, Guid id)
    {
        var job = await JobAsync(user, id);
        if (job.Status == ImportStatus.Done) return job;
        await grains.GetGrain<IImportJobGrain>(id.ToString()).Commit(AccountDesk.By(user));
        if (job.Status == ImportStatus.Checked)
            await audit.WriteAsync(AccountDesk.By(user), "import.committed", id.ToString(), $"{job.FileName}; {job.ToCommit} rows to commit");
        return await JobAsync(user, id);
    }

    /// <summary>The rows that did not go in, as the file had them, with the reason in the reader's language in a last column.</summary>
    public async Task<Sheet> FailedAsync(ClaimsPrincipal user, Guid id)
    {
        var job = await JobAsync(user, id);
        var rows = await store.FailedAsync(id);
        return new("import-failed", "", [.. job.Headers, text["Import.ErrorReason"].Value],
            rows.Select(r => (object?[])[.. Enumerable.Range(0, job.Headers.Count).Select(i => i < r.Cells.Count ? r.Cells[i] : null), Reason(r)]).ToAsyncEnumerable());
    }

    /// <summary>Why a row did not go in, as the console says it.</summary>
    public string Reason(CheckedRow row) => row.Verdict == ImportVerdict.Duplicate
        ? text["Import.DuplicateOf", row.DuplicateOf ?? 0].Value
        : string.Join("；", row.Reasons.Select(refusals.Describe));

    /// <summary>A sheet with every column an import reads, in the reader's language, and one example row.</summary>
    public Sheet Template(bool chinese) => new("import-template", "", ImportColumns.TemplateHeaders(chinese),
        new[] { new object?[] { "", "wx_example", "13800138000", chinese ? "王小明" : "Wang Xiaoming", "", "", "", "2024-05-01", "", "", "", "", "2015-09-01" } }
            .ToAsyncEnumerable());

    private static bool Owns(ClaimsPrincipal user, ImportJob job) => AccessService.ViewerOf(user).IsAdmin || job.CreatedBy == AccountDesk.By(user);

    private static string Counts<T>(IReadOnlyDictionary<T, int> counts) where T : notnull =>
        string.Join(", ", counts.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
}
