using Matrix.Domain;
using Matrix.Domain.Imports;
using Matrix.Grains.Capacity;
using Matrix.Grains.Customers;

namespace Matrix.Grains.Imports;

/// <summary>
/// Commits a row: the friendship through the ledger (so no account passes its cap), the profile and tags through the
/// customer's grain, the purchase through the till's path, then the follow-ups an existing relationship starts.
/// Each step is idempotent, so a row done twice (its node died before the outcome was written) ends the same.
/// </summary>
public sealed class ImportCommitter(CapacityLedger ledger, IGrainFactory grains, PurchaseService purchases, FollowUps.FollowUpService followUps, StoreClock clock,
    IEnumerable<Customers.ICustomerTagSink> sinks)
{
    /// <summary>Rows worked on at once: enough to overlap their round trips, few enough to leave the database to live traffic.</summary>
    public const int Parallel = 8;

    public async Task<IReadOnlyList<RowOutcome>> CommitAsync(ImportJob job, ImportRowReader reader, IReadOnlyList<CheckedRow> rows)
    {
        var outcomes = new RowOutcome[rows.Count];
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, rows.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (i, _) =>
        {
            try
            {
                outcomes[i] = await CommitAsync(job, reader.Read(rows[i].Number, rows[i].Cells), rows[i]);
            }
            catch (DomainValidationException refused)
            {
                outcomes[i] = new(rows[i].Number, ImportOutcome.Failed, refused.Errors);
            }
        });
        return outcomes;
    }

    private async Task<RowOutcome> CommitAsync(ImportJob job, ImportRow row, CheckedRow checkedRow)
    {
        // Read again: the tag list or the clock may have moved since the dry run.
        if (!row.Valid) return new(row.Number, ImportOutcome.Failed, row.Errors);
        var (id, account, by, now) = (checkedRow.CustomerId!, checkedRow.AccountId, job.CommittedBy ?? job.CreatedBy, clock.UtcNow);
        var customer = grains.Get<ICustomerGrain>(id);
        var known = await KnownAsync(id, customer);
        var change = ImportMerge.Change(row, account, job.Mode, known);

        var (created, befriended, key) = (false, false, $"import:{job.Id:N}:{row.Number}");
        if (account is not null && (known is null || change.AddFriend || checkedRow.Verdict == ImportVerdict.Create))
        {
            var outcome = await ledger.ConfirmFriendAsync(key, account, id, null, row.AddedAt ?? now, welcome: null,
                arrival: row.AddedAt is null ? Arrival.Imported : Arrival.Added);
            switch (outcome)
            {
                case FriendAddOutcome.Full:
                    return Failed(row, "account", RuleKeys.AccountFull, "account {0} has no room left", account);
                case FriendAddOutcome.UnknownAccount:
                    return Failed(row, "account", RuleKeys.AccountNotYours, "no account '{0}' you may import to", account);
                case FriendAddOutcome.Added or FriendAddOutcome.Duplicate:
                    // Duplicate: this row's own add, made by a run that did not get to record the outcome.
                    (created, befriended) = (checkedRow.Verdict == ImportVerdict.Create && (known is null || outcome == FriendAddOutcome.Duplicate), true);
                    break;
            }
            // A customer this import created takes everything the row gives, whatever the mode says of existing ones.
            if (befriended) change = ImportMerge.Change(row, account, created ? ImportMode.Overwrite : job.Mode, known = await KnownAsync(id, customer));
        }

        if (change.Profile is { } profile)
        {
            var before = known?.Profile ?? new Domain.Customers.CustomerProfile();
            await Conflicts.RetryAsync(() => customer.UpdateProfile(profile, by, now));
            var dates = before.ChangedAttributes(profile).Where(k => profile.DateOf(k) is not null || before.DateOf(k) is not null).ToHashSet(StringComparer.Ordinal);
            if (dates.Count > 0) await followUps.AttributesChangedAsync(id, dates);
        }
        if (change.AddTags.Count > 0)
        {
            await Conflicts.RetryAsync(() => customer.ChangeTags(change.AddTags, [], by, now));
            foreach (var sink in sinks) await sink.TagsChangedAsync(id, change.AddTags, []);
        }
        if (change.AddPurchase && row.Purchase is { } p)
            await purchases.PurchaseAsync(new(p.OrderId, p.Amount, p.At, [new(p.Category ?? "import", 1, p.Category)], CustomerId: id));
        // The follow-ups of a new friendship start last, so plans filtering on tags or purchases see them.
        if (befriended && await ledger.AddAwaitingFollowUpAsync(key) is not null)
        {
            await followUps.ImportedAsync(id, row.AddedAt);
            await ledger.AddFollowedUpAsync(key);
        }
        await customer.Release();
        return new(row.Number, created ? ImportOutcome.Created : change.Any || befriended ? ImportOutcome.Updated : ImportOutcome.Unchanged, []);
    }

    /// <summary>The customer as the grain holds them now, or null when they are nobody's friend yet.</summary>
    private async Task<KnownCustomer?> KnownAsync(string id, ICustomerGrain customer)
    {
        var links = await ledger.LinksAsync(id);
        return links.Count == 0 ? null : ImportChecker.Known(id, await customer.Get(), links.Where(l => l.RemovedAt is null).Select(l => l.AccountId));
    }

    private static RowOutcome Failed(ImportRow row, string field, string key, string english, params object[] args) =>
        new(row.Number, ImportOutcome.Failed, [FieldError.Of(field, key, english, args)]);
}
