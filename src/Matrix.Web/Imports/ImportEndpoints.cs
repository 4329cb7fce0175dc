using System.Globalization;
using System.Security.Claims;
using Matrix.Domain;
using Matrix.Domain.Imports;
using Matrix.Grains;
using Matrix.Grains.Imports;
using Matrix.Web.Exports;

namespace Matrix.Web.Imports;

/// <summary>A job as the API shows it: the dry run's counts, and the commit's progress once it runs.</summary>
public sealed record ImportJobView(Guid Id, string FileName, string FileHash, string Format, string Encoding, string Mode, string? DefaultAccount,
    IReadOnlyList<string> Ignored, string CreatedBy, DateTimeOffset CreatedAt, string Status, int RowsTotal, IReadOnlyDictionary<string, int> Verdicts,
    int ToCommit, int RowsDone, IReadOnlyDictionary<string, int> Outcomes, DateTimeOffset? FinishedAt)
{
    public static ImportJobView Of(ImportJob j) => new(j.Id, j.FileName, j.FileHash, j.Format, j.Encoding, j.Mode.ToString(), j.DefaultAccount, j.Ignored,
        j.CreatedBy, j.CreatedAt, j.Status.ToString(), j.RowsTotal, j.Verdicts.ToDictionary(v => v.Key.ToString(), v => v.Value), j.ToCommit, j.RowsDone,
        j.Outcomes.ToDictionary(o => o.Key.ToString(), o => o.Value), j.FinishedAt);
}

public sealed record ImportReasonView(string Field, string Message, string? Key);

public sealed record ImportRowView(int Row, string Verdict, string? CustomerId, string? AccountId, int? DuplicateOf, IReadOnlyList<ImportReasonView> Reasons, string? Outcome);

internal static class ImportEndpoints
{
    public static void MapImportApi(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/imports").WithTags("Imports");

        // Every column an import reads, headed in the reader's language (?lang=zh-CN or en to choose), as xlsx or CSV.
        imports.MapGet("/template", async (string? format, string? lang, ImportDesk desk, StoreClock clock, HttpContext http) =>
        {
            var chinese = (lang ?? CultureInfo.CurrentUICulture.Name).StartsWith("zh", StringComparison.OrdinalIgnoreCase);
            await SheetResponse.WriteAsync(http, desk.Template(chinese), SheetResponse.FormatOf(format), clock);
            return Results.Empty;
        });

        // The dry run: a multipart form with the file, the mode for existing customers (skip, fill, overwrite) and the
        // account rows without one go to. Nothing but the job is written; its rows say what a commit would do.
        imports.MapPost("/", async (HttpRequest request, ImportDesk desk, ClaimsPrincipal user) =>
        {
            // The form is read here, not bound: a request that is not a form gets the same 400 as one without a file.
            var form = request.HasFormContentType ? await request.ReadFormAsync() : null;
            if (form?.Files["file"] is not { } file) throw DomainValidationException.Of("file", RuleKeys.Required, "is required");
            if (file.Length > SheetReader.BytesMax) throw DomainValidationException.Of("file", RuleKeys.AtMost, "must be at most {0} MiB", SheetReader.BytesMax / 1024 / 1024);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer);
            var job = await desk.CheckAsync(user, file.FileName, buffer.ToArray(), Mode(form["mode"]), form["accountId"]);
            return Results.Created($"/api/imports/{job.Id}", ImportJobView.Of(job));
        }).DisableAntiforgery();

        imports.MapGet("/", async (ImportDesk desk, ClaimsPrincipal user) => (await desk.JobsAsync(user)).Select(ImportJobView.Of));
        imports.MapGet("/{id:guid}", async (Guid id, ImportDesk desk, ClaimsPrincipal user) => ImportJobView.Of(await desk.JobAsync(user, id)));

        // The dry run's rows, a page at a time after ?after= (a row number), of one ?verdict= or all.
        imports.MapGet("/{id:guid}/rows", async (Guid id, string? verdict, int? after, int? limit, ImportDesk desk, ClaimsPrincipal user) =>
        {
            ImportVerdict? only = verdict is null ? null : Enum.TryParse<ImportVerdict>(verdict, true, out var v) && Enum.IsDefined(v) ? v
                : throw DomainValidationException.Of("verdict", RuleKeys.Unknown, "no verdict '{0}'", verdict);
            var rows = await desk.RowsAsync(user, id, only, after ?? 0, limit ?? 100);
            return rows.Select(r => new ImportRowView(r.Number, r.Verdict.ToString(), r.CustomerId, r.AccountId, r.DuplicateOf,
                [.. r.Reasons.Select(e => new ImportReasonView(e.Field, e.Message, e.Key))], r.Outcome?.ToString()));
        });

        // Commits in the background; the job's rowsDone and outcomes show the progress. Sent twice, it commits once.
        imports.MapPost("/{id:guid}/commit", async (Guid id, ImportDesk desk, ClaimsPrincipal user) =>
            Results.Accepted($"/api/imports/{id}", ImportJobView.Of(await desk.CommitAsync(user, id))));

        // The rows that did not go in, with 错误原因 (the reason, in the reader's language) after the file's own columns.
        imports.MapGet("/{id:guid}/failed", async (Guid id, string? format, ImportDesk desk, StoreClock clock, HttpContext http, ClaimsPrincipal user) =>
        {
            var sheet = await desk.FailedAsync(user, id);
            await SheetResponse.WriteAsync(http, sheet, SheetResponse.FormatOf(format), clock);
            return Results.Empty;
        });
    }

    private static ImportMode Mode(string? mode) => mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "skip" => ImportMode.Skip,
        "fill" or "fillempty" => ImportMode.FillEmpty,
        "overwrite" => ImportMode.Overwrite,
        _ => throw DomainValidationException.Of("mode", RuleKeys.Unknown, "no mode '{0}' (skip, fill or overwrite)", mode),
    };
}
