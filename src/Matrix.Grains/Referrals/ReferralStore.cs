using System.Text.Json;
using Matrix.Domain.Referrals;
using Matrix.Storage.Hosting;
using Npgsql;

namespace Matrix.Grains.Referrals;

/// <param name="Team">The team whose campaign it is (null: an admin's, matrix-wide).</param>
/// <param name="ChannelId">The live code an invitee's landing page shows (its accounts, its welcome, its tags).</param>
public sealed record ReferralCampaignRecord(string Id, string? Team, string ChannelId, ReferralCampaign Definition, string CreatedBy, DateTimeOffset CreatedAt);

public sealed record ReferralReward(string CampaignId, string InviterId, int Friends, string Reward, decimal? Value, string Code, DateTimeOffset GrantedAt,
    string? RedeemedBy, DateTimeOffset? RedeemedAt);

/// <summary>An inviter's standing: credits earned, taken back, standing (what levels count), and arrivals that earned nothing.</summary>
/// <param name="LastCreditAt">Their latest credit: of two inviters with the same standing, the one who got there first leads.</param>
public sealed record InviterStanding(string InviterId, int Credited, int Revoked, int Standing, int Refused, DateTimeOffset? LastCreditAt);

/// <summary>One arrival an inviter brought and what came of it (with its revocation, if taken back).</summary>
public sealed record InviterArrival(string InviteeId, string AccountId, DateTimeOffset At, string Outcome, DateTimeOffset? RevokedAt, string? RevokedReason);

/// <summary>
/// A campaign's numbers: invitees who arrived (once each), of them credited, new to the matrix or not, still friends 7
/// days after their credit (of those credited 7 days ago or more), and the value of the rewards granted.
/// </summary>
public sealed record ReferralTotals(int Invitees, int Credited, int New, int Existing, int Revoked, int RetainedAfter7Days, int Credited7DaysAgo, int Rewards,
    decimal RewardValue);

/// <summary>Referral campaigns, inviters' tokens and the ledger's reads (Migrations/0024); the ledger's writes are <see cref="ReferralLedger"/>'s.</summary>
public sealed class ReferralStore(NpgsqlDataSource db, StoreClock clock)
{
    public async Task<ReferralCampaignRecord> CreateAsync(ReferralCampaign definition, string channelId, string? team, string by)
    {
        Domain.DomainValidationException.ThrowIfAny([.. definition.Validate()]);
        while (true)
        {
            await using var cmd = db.CreateCommand("""
                insert into referral_campaigns (id, team, channel_id, definition, starts_at, ends_at, created_by, created_at)
                values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) on conflict (id) do nothing
                """);
            var id = ReferralState.NewCampaignId();
            cmd.Parameters.Add(new() { Value = id });
            cmd.Parameters.Add(new() { Value = (object?)team ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = channelId });
            cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(definition, StateSerializer.Options) });
            cmd.Parameters.Add(new() { Value = definition.StartsAt.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = definition.EndsAt.ToUniversalTime() });
            cmd.Parameters.Add(new() { Value = by });
            cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
            if (await cmd.ExecuteNonQueryAsync() == 1) return (await GetAsync(id))!;
        }
    }

    public async Task<ReferralCampaignRecord?> GetAsync(string id) => (await ListAsync(id)).SingleOrDefault();

    /// <summary>Campaigns, newest first (one, or all).</summary>
    public async Task<IReadOnlyList<ReferralCampaignRecord>> ListAsync(string? id = null)
    {
        await using var cmd = db.CreateCommand("""
            select id, team, channel_id, definition::text, created_by, created_at from referral_campaigns
             where $1::text is null or id = $1 order by created_at desc, id
            """);
        cmd.Parameters.Add(new() { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<ReferralCampaignRecord>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2),
                JsonSerializer.Deserialize<ReferralCampaign>(r.GetString(3), StateSerializer.Options)!, r.GetString(4), r.GetFieldValue<DateTimeOffset>(5)));
        return list;
    }

    /// <summary>The inviter's token in the campaign, made the first time it is asked for (a poster printed twice shows one token).</summary>
    public async Task<string> InviterTokenAsync(string campaignId, string inviterId)
    {
        while (true)
        {
            await using var cmd = db.CreateCommand("""
                with made as (
                    insert into referral_inviters (campaign_id, inviter_id, token, created_at) values ($1, $2, $3, $4)
                    on conflict do nothing returning token)
                select token from made union all select token from referral_inviters where campaign_id = $1 and inviter_id = $2
                """);
            cmd.Parameters.Add(new() { Value = campaignId });
            cmd.Parameters.Add(new() { Value = inviterId });
            cmd.Parameters.Add(new() { Value = ReferralState.NewToken() });
            cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
            // Nothing back: the new token was taken by another pair (one in a trillion), so draw again.
            if (await cmd.ExecuteScalarAsync() is string token) return token;
        }
    }

    /// <summary>The campaign and inviter a poster's token names, or null.</summary>
    public async Task<(ReferralCampaignRecord Campaign, string InviterId)?> ByTokenAsync(string campaignId, string token)
    {
        await using var cmd = db.CreateCommand("select inviter_id from referral_inviters where campaign_id = $1 and token = $2");
        cmd.Parameters.Add(new() { Value = campaignId });
        cmd.Parameters.Add(new() { Value = token });
        return await cmd.ExecuteScalarAsync() is string inviter && await GetAsync(campaignId) is { } campaign ? (campaign, inviter) : null;
    }

    /// <summary>A landing page's scan held <paramref name="reservation"/>: the add confirmed from that hold carries <paramref name="state"/>.</summary>
    public async Task RememberScanAsync(Guid reservation, string state)
    {
        await using var cmd = db.CreateCommand("insert into referral_scans (reservation, state, scanned_at) values ($1, $2, $3) on conflict do nothing");
        cmd.Parameters.Add(new() { Value = reservation });
        cmd.Parameters.Add(new() { Value = state });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task ForgetScansAsync(DateTimeOffset before)
    {
        await using var cmd = db.CreateCommand("delete from referral_scans where scanned_at < $1");
        cmd.Parameters.Add(new() { Value = before.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<string?> ScanStateAsync(Guid reservation)
    {
        await using var cmd = db.CreateCommand("select state from referral_scans where reservation = $1");
        cmd.Parameters.Add(new() { Value = reservation });
        return await cmd.ExecuteScalarAsync() as string;
    }

    /// <summary>Every inviter who brought anyone, by standing credits (most first), then by who got there first.</summary>
    public async Task<IReadOnlyList<InviterStanding>> LeaderboardAsync(string campaignId, string? inviterId = null)
    {
        await using var cmd = db.CreateCommand("""
            select a.inviter_id,
                   count(*) filter (where a.outcome = 'credited'),
                   count(v.invitee_id) filter (where a.outcome = 'credited'),
                   count(*) filter (where a.outcome <> 'credited'),
                   max(a.at) filter (where a.outcome = 'credited')
              from referral_arrivals a
              left join referral_revocations v on v.campaign_id = a.campaign_id and v.invitee_id = a.invitee_id
             where a.campaign_id = $1 and ($2::text is null or a.inviter_id = $2)
             group by a.inviter_id
            """);
        cmd.Parameters.Add(new() { Value = campaignId });
        cmd.Parameters.Add(new() { Value = (object?)inviterId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var rows = new List<InviterStanding>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var (credited, revoked) = ((int)r.GetInt64(1), (int)r.GetInt64(2));
            rows.Add(new(r.GetString(0), credited, revoked, credited - revoked, (int)r.GetInt64(3), r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)));
        }
        return [.. rows.OrderByDescending(s => s.Standing).ThenBy(s => s.LastCreditAt ?? DateTimeOffset.MaxValue).ThenBy(s => s.InviterId, StringComparer.Ordinal)];
    }

    /// <summary>What an inviter brought, in order: each arrival, what the rules made of it, and its revocation.</summary>
    public async Task<IReadOnlyList<InviterArrival>> ArrivalsAsync(string campaignId, string inviterId)
    {
        await using var cmd = db.CreateCommand("""
            select a.invitee_id, a.account_id, a.at, a.outcome, case when a.outcome = 'credited' then v.at end, case when a.outcome = 'credited' then v.reason end
              from referral_arrivals a
              left join referral_revocations v on v.campaign_id = a.campaign_id and v.invitee_id = a.invitee_id
             where a.campaign_id = $1 and a.inviter_id = $2 order by a.at, a.id
            """);
        cmd.Parameters.Add(new() { Value = campaignId });
        cmd.Parameters.Add(new() { Value = inviterId });
        var rows = new List<InviterArrival>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetString(5)));
        return rows;
    }

    /// <summary>Rewards granted in the campaign (one, by code; or those not yet handed out; or all), oldest first.</summary>
    public async Task<IReadOnlyList<ReferralReward>> RewardsAsync(string campaignId, bool pendingOnly = false, string? code = null, string? inviterId = null)
    {
        await using var cmd = db.CreateCommand("""
            select campaign_id, inviter_id, friends, reward, value, code, granted_at, redeemed_by, redeemed_at from referral_rewards
             where campaign_id = $1 and (not $2 or redeemed_at is null) and ($3::text is null or code = $3) and ($4::text is null or inviter_id = $4)
             order by granted_at, inviter_id, friends
            """);
        cmd.Parameters.Add(new() { Value = campaignId });
        cmd.Parameters.Add(new() { Value = pendingOnly });
        cmd.Parameters.Add(new() { Value = (object?)code ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)inviterId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var rows = new List<ReferralReward>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetDecimal(4), r.GetString(5),
                r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8)));
        return rows;
    }

    /// <summary>The campaign's numbers, from the ledger and the friendships now (retention: still a friend of any account).</summary>
    public async Task<ReferralTotals> TotalsAsync(string campaignId)
    {
        await using var cmd = db.CreateCommand("""
            with credits as (
                select a.invitee_id, a.at, a.earlier, v.invitee_id is not null as revoked,
                       exists (select 1 from account_friends f where f.external_id = a.invitee_id and f.removed_at is null) as friend
                  from referral_arrivals a
                  left join referral_revocations v on v.campaign_id = a.campaign_id and v.invitee_id = a.invitee_id
                 where a.campaign_id = $1 and a.outcome = 'credited'),
            -- Each invitee once, as they first arrived: new to the matrix then, or not (a second account's add is not).
            invitees as (
                select distinct on (invitee_id) invitee_id, earlier from referral_arrivals
                 where campaign_id = $1 and outcome <> 'self' order by invitee_id, at, id)
            select (select count(*) from invitees),
                   (select count(*) from credits),
                   (select count(*) from invitees where not earlier),
                   (select count(*) from invitees where earlier),
                   (select count(*) from credits where revoked),
                   (select count(*) from credits where at <= $2 and friend and not revoked),
                   (select count(*) from credits where at <= $2),
                   (select count(*) from referral_rewards where campaign_id = $1),
                   (select coalesce(sum(value), 0) from referral_rewards where campaign_id = $1)
            """);
        cmd.Parameters.Add(new() { Value = campaignId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow.AddDays(-7).ToUniversalTime() });
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return new((int)r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2), (int)r.GetInt64(3), (int)r.GetInt64(4), (int)r.GetInt64(5), (int)r.GetInt64(6),
            (int)r.GetInt64(7), r.GetDecimal(8));
    }
}
