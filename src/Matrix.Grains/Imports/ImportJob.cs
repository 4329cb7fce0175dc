using Matrix.Domain;
using Matrix.Domain.Imports;

namespace Matrix.Grains.Imports;

public enum ImportStatus { Checked, Committing, Done }

/// <summary>What committing a row did.</summary>
public enum ImportOutcome { Created, Updated, Unchanged, Failed }

/// <summary>A file to import, read into cells, and who asks.</summary>
/// <param name="Scope">The accounts the importer may see, by id (null: every one, an admin).</param>
public sealed record ImportRequest(string FileName, string FileHash, string Format, string Encoding, ImportMode Mode, string? DefaultAccount,
    IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string?>> Rows, IReadOnlySet<string>? Scope, string By);

/// <summary>An import: the file it read, the dry run's verdicts and, once committed, how far the commit got.</summary>
public sealed record ImportJob(Guid Id, string FileName, string FileHash, string Format, string Encoding, ImportMode Mode, string? DefaultAccount,
    IReadOnlyList<string> Headers, IReadOnlyList<string> Ignored, IReadOnlyList<string>? Scope, string CreatedBy, DateTimeOffset CreatedAt,
    ImportStatus Status, string? CommittedBy, DateTimeOffset? CommittedAt, DateTimeOffset? FinishedAt, int RowsTotal,
    IReadOnlyDictionary<ImportVerdict, int> Verdicts, int RowsDone, IReadOnlyDictionary<ImportOutcome, int> Outcomes)
{
    /// <summary>The rows a commit works on: those that create or update a customer.</summary>
    public int ToCommit => Verdicts.GetValueOrDefault(ImportVerdict.Create) + Verdicts.GetValueOrDefault(ImportVerdict.Update);
}

/// <summary>A row as the dry run judged it and, once committed, what came of it.</summary>
public sealed record CheckedRow(int Number, IReadOnlyList<string?> Cells, ImportVerdict Verdict, string? CustomerId, string? AccountId, int? DuplicateOf,
    IReadOnlyList<FieldError> Reasons, ImportOutcome? Outcome = null);

/// <summary>What the commit did with a row, and why when it failed.</summary>
public sealed record RowOutcome(int Number, ImportOutcome Outcome, IReadOnlyList<FieldError> Reasons);
