-- Referral campaigns (裂变, #20). An inviter's poster carries a link with the campaign and the inviter's short token;
-- the landing page it opens shows the campaign's live code, and the add that follows carries the state
-- (Domain/Referrals/ReferralState) on the friend-added event. Counting is an append-only ledger: every arrival is
-- recorded once with what the rules made of it (Domain/Referrals/ReferralRules), a credit is an arrival whose outcome
-- is 'credited', and a revocation is a row of its own. Counts are derived from the ledger, never kept beside it.
create table referral_campaigns (
    id          text        primary key,               -- short, so that the state fits WeCom's 30 characters
    team        text,                                  -- the team whose campaign it is; null: an admin's, matrix-wide
    channel_id  text        not null,                  -- the live code the invitees' landing page shows
    definition  jsonb       not null,                  -- ReferralCampaign as saved (window, flags, levels)
    starts_at   timestamptz not null,
    ends_at     timestamptz not null,
    created_by  text        not null,
    created_at  timestamptz not null
);

-- An inviter's token in a campaign, made when their poster is first asked for. The token alone names the pair.
create table referral_inviters (
    campaign_id text        not null references referral_campaigns,
    inviter_id  text        not null,
    token       text        not null unique,
    created_at  timestamptz not null,
    primary key (campaign_id, inviter_id)
);

-- A landing page's scan held a slot on an account: the add confirmed from that hold carries the referral.
create table referral_scans (
    reservation uuid        primary key,
    state       text        not null,
    scanned_at  timestamptz not null
);
create index referral_scans_at on referral_scans (scanned_at);

-- Every arrival once (source_event is the friend-added event's idempotency key, so a replay adds nothing). One credit
-- per invitee per campaign, whoever invited them first and whatever account they joined: the partial unique index is
-- the guarantee, and an inviter's grants read their credits under the inviter's advisory lock (ReferralLedger).
create table referral_arrivals (
    id           bigserial   primary key,
    campaign_id  text        not null references referral_campaigns,
    inviter_id   text        not null,
    invitee_id   text        not null,
    account_id   text        not null,
    source_event text        not null unique,
    at           timestamptz not null,                 -- the add's own time: the window is checked against it
    outcome      text        not null,                 -- Domain/Referrals/CreditOutcomes
    earlier      boolean     not null,                 -- the invitee was a friend of the matrix before (the report's "existing")
    recorded_at  timestamptz not null
);
create unique index referral_arrivals_credit on referral_arrivals (campaign_id, invitee_id) where outcome = 'credited';
create index referral_arrivals_inviter on referral_arrivals (campaign_id, inviter_id, at);
create index referral_arrivals_invitee on referral_arrivals (invitee_id) where outcome = 'credited';

-- A credit taken back (the invitee deleted us within the campaign's days). At most one per credit.
create table referral_revocations (
    campaign_id  text        not null,
    invitee_id   text        not null,
    at           timestamptz not null,
    reason       text        not null,
    source_event text        not null,
    recorded_at  timestamptz not null,
    primary key (campaign_id, invitee_id)
);

-- A reward granted once per (campaign, inviter, level), with its redemption when an operator hands it out. A credit
-- revoked later does not take back a reward already granted: it was earned when it was granted.
create table referral_rewards (
    campaign_id text        not null,
    inviter_id  text        not null,
    friends     int         not null,                  -- the level, by its number of friends
    reward      text        not null,
    value       numeric(12, 2),
    code        text        not null unique,           -- shown to the inviter, asked for at the counter
    granted_at  timestamptz not null,
    redeemed_by text,
    redeemed_at timestamptz,
    primary key (campaign_id, inviter_id, friends)
);
