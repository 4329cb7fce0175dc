using Matrix.Domain;
using Matrix.Grains.Channels;

namespace Matrix.Grains.Capacity;

/// <param name="Channel">The channel the friend came through, when known (attribution, tags, welcome script).</param>
/// <param name="Reservation">The scan's hold the add takes (when a person confirms from it); else the account's oldest.</param>
/// <param name="Referral">The state an inviter's poster carried (Domain/Referrals/ReferralState); a hold taken on a
/// referral's landing page carries its own.</param>
public sealed record FriendAddedEvent(string AccountId, string ExternalId, DateTimeOffset At, string IdempotencyKey, string? Channel = null, Guid? Reservation = null,
    string? Referral = null);

/// <param name="ByCustomer">True when the customer deleted us (the churn signal); false when we removed them.</param>
public sealed record FriendDeletedEvent(string AccountId, string ExternalId, DateTimeOffset At, string IdempotencyKey, bool ByCustomer = true);

/// <summary>
/// The two friend events that move an account's counters. The ledger decides, once per idempotency key, whether an
/// event counts, and its friendship rows are also the customer's record of accounts and source.
/// </summary>
public sealed class FriendEventService(RecordViews records, CapacityLedger ledger, FollowUps.FollowUpService followUps, Referrals.ReferralStore referrals,
    Referrals.ReferralLedger referralLedger, StoreClock clock, Microsoft.Extensions.Options.IOptions<MatrixOptions> options)
{
    public const int KeyMax = 128;
    public const int ExternalIdMax = 128;

    /// <param name="discovered">
    /// The add was found later (a sync with WeCom reading a friendship no event told of), not told as it happened:
    /// its follow-ups start as an import's do, so an old friend found now gets no "new friend" plan full of overdue touches.
    /// </param>
    public async Task<FriendAddOutcome> AddedAsync(FriendAddedEvent e, bool discovered = false)
    {
        Validate(e.AccountId, e.ExternalId, e.IdempotencyKey, e.At);
        if (e.Referral is not null && Domain.Referrals.ReferralState.Parse(e.Referral) is null)
            throw DomainValidationException.Of("referral", RuleKeys.Unknown, "is not a referral poster's state ('r.' + campaign + '.' + token)");
        var channel = e.Channel is null ? null
            : await records.ChannelAsync(e.Channel) ?? throw DomainValidationException.Of("channel", RuleKeys.Unknown, "no channel '{0}'", e.Channel);

        // One call records the friendship, the customer's source and tags, the counters and the welcome task.
        var welcome = Domain.FollowUps.Welcome.IsDue(e.At, clock.UtcNow) ? channel?.WelcomeScript : null;
        var outcome = await ledger.ConfirmFriendAsync(e.IdempotencyKey, e.AccountId, e.ExternalId, e.Channel, e.At, welcome,
            e.Reservation, channelState: channel?.State, channelTags: channel?.Tags);
        // The invitee's arrival in a referral campaign, once per event: a retry records it if the first attempt did not.
        if (outcome is FriendAddOutcome.Added or FriendAddOutcome.Duplicate
            && (e.Referral ?? (e.Reservation is { } hold ? await referrals.ScanStateAsync(hold) : null)) is { } referral)
            await referralLedger.ArriveAsync(referral, e.AccountId, e.ExternalId, e.At, e.IdempotencyKey);
        // A duplicate may be the retry of an add whose follow-ups never started (the node died after the ledger
        // committed): it completes them, from the add as recorded. An add whose follow-ups ran changes nothing.
        var addedAt = outcome == FriendAddOutcome.Added ? e.At
            : outcome == FriendAddOutcome.Duplicate ? await ledger.AddAwaitingFollowUpAsync(e.IdempotencyKey) : null;
        if (addedAt is { } at)
        {
            if (discovered) await followUps.ImportedAsync(e.ExternalId, at);
            else await followUps.FriendAddedAsync(e.ExternalId, at);
            await ledger.AddFollowedUpAsync(e.IdempotencyKey);
        }
        return outcome;
    }

    public async Task<FriendRemoveOutcome> DeletedAsync(FriendDeletedEvent e)
    {
        Validate(e.AccountId, e.ExternalId, e.IdempotencyKey, e.At);
        var outcome = await ledger.RemoveFriendAsync(e.IdempotencyKey, e.AccountId, e.ExternalId, e.ByCustomer, e.At);
        // A customer leaving takes back the referral credits their arrival earned, where a campaign says so (a retry too).
        if (e.ByCustomer && outcome is FriendRemoveOutcome.Removed or FriendRemoveOutcome.Duplicate)
            await referralLedger.DeletedAsync(e.ExternalId, e.At, e.IdempotencyKey);
        return outcome;
    }

    private void Validate(string accountId, string externalId, string key, DateTimeOffset at)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(accountId)) errors.Add(FieldError.Of("accountId", RuleKeys.Required, "is required"));
        if (string.IsNullOrWhiteSpace(externalId)) errors.Add(FieldError.Of("externalId", RuleKeys.Required, "is required"));
        else if (externalId.Length > ExternalIdMax) errors.Add(FieldError.Of("externalId", RuleKeys.TooLong, "must be at most {0} characters (got {1})", ExternalIdMax, externalId.Length));
        if (string.IsNullOrWhiteSpace(key)) errors.Add(new("idempotencyKey", "is required (a replayed event must be recognisable)"));
        else if (key.Length > KeyMax) errors.Add(new("idempotencyKey", $"must be at most {KeyMax} characters"));
        if (options.Value.Times.Event("at", at, clock.UtcNow) is { } badTime) errors.Add(badTime);
        DomainValidationException.ThrowIfAny(errors);
    }
}
