using Matrix.Domain.Referrals;
using Npgsql;

namespace Matrix.Grains.Referrals;

/// <summary>What an add carrying a referral came to: the rules' outcome and the rewards it granted its inviter.</summary>
/// <param name="Outcome">A <see cref="CreditOutcomes"/> value, or <see cref="ReferralLedger.Unknown"/> for a state naming no inviter.</param>
public sealed record ArrivalResult(string Outcome, string? CampaignId, string? InviterId, IReadOnlyList<int> Granted);

/// <summary>
/// The referral ledger's writes (Migrations/0024). An arrival is decided and recorded in one transaction that holds
/// two advisory locks, the invitee's in the campaign and then the inviter's: the first makes "already credited" a
/// fact no concurrent arrival of the same person can slip past (the unique credit index would otherwise refuse the
/// second with an error), the second makes the inviter's count, read after their credit is written, include every
/// credit committed before it, so a level is reached by exactly one arrival and granted once. Every transaction
/// takes an invitee's lock before an inviter's, so none waits on another in a circle.
/// </summary>
public sealed class ReferralLedger(NpgsqlDataSource db, ReferralStore campaigns, StoreClock clock)
{
    public const string Unknown = "unknown";
    public const int InviteeLock = 1301, InviterLock = 1302;

    /// <summary>
    /// Records an add that came with a poster's <paramref name="state"/>, once per <paramref name="sourceEvent"/> (a
    /// replay answers what the first decided). Null when the state is no referral's.
    /// </summary>
    public async Task<ArrivalResult?> ArriveAsync(string? state, string accountId, string inviteeId, DateTimeOffset at, string sourceEvent)
    {
        if (ReferralState.Parse(state) is not var (campaignId, token)) return null;
        var found = await campaigns.ByTokenAsync(campaignId, token);
        if (found is not var (campaign, inviterId)) return new(Unknown, campaignId, null, []);

        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, tx, "select pg_advisory_xact_lock($1, hashtext($2))", InviteeLock, $"{campaignId}/{inviteeId}");
        await ExecuteAsync(connection, tx, "select pg_advisory_xact_lock($1, hashtext($2))", InviterLock, $"{campaignId}/{inviterId}");

        await using (var replay = new NpgsqlCommand("select outcome, inviter_id from referral_arrivals where source_event = $1", connection, tx)
                     { Parameters = { new() { Value = sourceEvent } } })
        await using (var r = await replay.ExecuteReaderAsync())
            if (await r.ReadAsync()) return new(r.GetString(0), campaignId, r.GetString(1), []);

        // The facts at the event's time: any friendship begun before this add (a deleted one included; this add's own
        // row, and a second account's add at the same moment, are not "before"), and a credit this campaign gave already.
        await using var facts = new NpgsqlCommand("""
            select exists (select 1 from relationship_events where customer_id = $1 and at < $2),
                   exists (select 1 from referral_arrivals where campaign_id = $3 and invitee_id = $1 and outcome = 'credited')
            """, connection, tx)
        { Parameters = { new() { Value = inviteeId }, new() { Value = at.ToUniversalTime() }, new() { Value = campaignId } } };
        bool earlier, credited;
        await using (var r = await facts.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            (earlier, credited) = (r.GetBoolean(0), r.GetBoolean(1));
        }
        var outcome = ReferralRules.Credit(campaign.Definition, new(inviterId, inviteeId, at, earlier, credited));
        await using (var insert = new NpgsqlCommand("""
            insert into referral_arrivals (campaign_id, inviter_id, invitee_id, account_id, source_event, at, outcome, earlier, recorded_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, connection, tx)
        {
            Parameters =
            {
                new() { Value = campaignId }, new() { Value = inviterId }, new() { Value = inviteeId }, new() { Value = accountId }, new() { Value = sourceEvent },
                new() { Value = at.ToUniversalTime() }, new() { Value = outcome }, new() { Value = earlier }, new() { Value = clock.UtcNow.ToUniversalTime() },
            },
        })
            await insert.ExecuteNonQueryAsync();

        var granted = outcome == CreditOutcomes.Credited ? await GrantAsync(connection, tx, campaign, inviterId) : [];
        await tx.CommitAsync();
        return new(outcome, campaignId, inviterId, granted);
    }

    /// <summary>
    /// The customer deleted an account at <paramref name="at"/>: each credit they earned in a campaign that revokes on
    /// deletion, within its days, is taken back, once they are no friend of any account of the matrix (a customer
    /// still on a sibling account is still the store's). Repeating it changes nothing.
    /// </summary>
    public async Task<int> DeletedAsync(string inviteeId, DateTimeOffset at, string sourceEvent)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("""
            select a.campaign_id, a.at from referral_arrivals a
             where a.invitee_id = $1 and a.outcome = 'credited'
               and not exists (select 1 from referral_revocations v where v.campaign_id = a.campaign_id and v.invitee_id = a.invitee_id)
               and not exists (select 1 from account_friends f where f.external_id = $1 and f.removed_at is null)
            """, connection) { Parameters = { new() { Value = inviteeId } } };
        var credits = new List<(string Campaign, DateTimeOffset At)>();
        await using (var r = await read.ExecuteReaderAsync())
            while (await r.ReadAsync()) credits.Add((r.GetString(0), r.GetFieldValue<DateTimeOffset>(1)));

        var revoked = 0;
        foreach (var (campaignId, creditedAt) in credits)
        {
            if (await campaigns.GetAsync(campaignId) is not { } campaign || !ReferralRules.Revokes(campaign.Definition, creditedAt, at)) continue;
            await using var insert = new NpgsqlCommand("""
                insert into referral_revocations (campaign_id, invitee_id, at, reason, source_event, recorded_at)
                values ($1, $2, $3, 'deleted', $4, $5) on conflict do nothing
                """, connection)
            {
                Parameters = { new() { Value = campaignId }, new() { Value = inviteeId }, new() { Value = at.ToUniversalTime() }, new() { Value = sourceEvent },
                    new() { Value = clock.UtcNow.ToUniversalTime() } },
            };
            revoked += await insert.ExecuteNonQueryAsync();
        }
        return revoked;
    }

    /// <summary>
    /// Marks a reward handed out. Only the first marking counts: a second (another device, a double press) leaves the
    /// record as it was and is told who redeemed it and when. Null for no such code in the campaign.
    /// </summary>
    public async Task<ReferralReward?> RedeemAsync(string campaignId, string code, string by)
    {
        await using var cmd = db.CreateCommand("""
            update referral_rewards set redeemed_by = $3, redeemed_at = $4
             where campaign_id = $1 and code = $2 and redeemed_at is null
            """);
        cmd.Parameters.Add(new() { Value = campaignId });
        cmd.Parameters.Add(new() { Value = code });
        cmd.Parameters.Add(new() { Value = by });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
        return (await campaigns.RewardsAsync(campaignId, code: code)).SingleOrDefault();
    }

    // Under the inviter's lock: their standing credits (credits not taken back), and each level they reach granted once.
    private async Task<IReadOnlyList<int>> GrantAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ReferralCampaignRecord campaign, string inviterId)
    {
        await using var count = new NpgsqlCommand("""
            select count(*) from referral_arrivals a
             where a.campaign_id = $1 and a.inviter_id = $2 and a.outcome = 'credited'
               and not exists (select 1 from referral_revocations v where v.campaign_id = a.campaign_id and v.invitee_id = a.invitee_id)
            """, connection, tx) { Parameters = { new() { Value = campaign.Id }, new() { Value = inviterId } } };
        var standing = (int)(long)(await count.ExecuteScalarAsync())!;
        var granted = new List<int>();
        foreach (var level in ReferralRules.Reached(campaign.Definition, standing))
        {
            await using var grant = new NpgsqlCommand("""
                insert into referral_rewards (campaign_id, inviter_id, friends, reward, value, code, granted_at)
                values ($1, $2, $3, $4, $5, $6, $7) on conflict (campaign_id, inviter_id, friends) do nothing
                """, connection, tx)
            {
                Parameters =
                {
                    new() { Value = campaign.Id }, new() { Value = inviterId }, new() { Value = level.Friends }, new() { Value = level.Reward },
                    new() { Value = (object?)level.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Numeric },
                    new() { Value = ReferralState.NewToken() }, new() { Value = clock.UtcNow.ToUniversalTime() },
                },
            };
            if (await grant.ExecuteNonQueryAsync() == 1) granted.Add(level.Friends);
        }
        return granted;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, int key, string value)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx) { Parameters = { new() { Value = key }, new() { Value = value } } };
        await cmd.ExecuteNonQueryAsync();
    }
}
