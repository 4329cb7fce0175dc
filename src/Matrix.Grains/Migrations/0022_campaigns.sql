-- Campaigns (#16): one message to a segment's customers, once or every week. Each occurrence freezes its audience
-- into recipients (the segment's members at that moment, each on the account that holds them), then places every
-- recipient's message through the customer's grain, which applies the one per-customer message budget
-- (Domain/Campaigns/MessageBudget), as a task on the sending account's queue. People send; Matrix plans.
create table campaigns (
    id          text primary key,
    name        text        not null,
    team        text,                                  -- the team whose accounts send it; null: every account (an admin's)
    segment_id  text        not null,
    definition  jsonb       not null,                  -- CampaignDefinition as saved
    status      text        not null,                  -- scheduled | sending | done | cancelled
    next_at     timestamptz,                           -- the next occurrence; null when none is left
    occurrences int         not null default 0,        -- occurrences frozen so far
    created_by  text        not null,
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);

-- An occurrence: when it was due, when its audience was frozen and how many it held.
create table campaign_occurrences (
    campaign_id text        not null,
    occurrence  int         not null,
    due_at      timestamptz not null,
    frozen_at   timestamptz not null,
    recipients  int         not null,
    primary key (campaign_id, occurrence)
);

-- A frozen recipient and what became of their message. The sending account is the one holding the customer (of
-- several, the one with the latest interaction: the friendship's start, their last reply there, the last touch done
-- there); a customer held by none of the campaign's accounts is skipped at once. Recipients by sending account are the
-- seam for WeCom's mass-message API (#19): a WeCom account's recipients will go to it in one call instead of as tasks.
create table campaign_recipients (
    campaign_id text not null,
    occurrence  int  not null,
    customer_id text not null,
    account_id  text,
    status      text not null default 'pending',       -- pending | placed | deferred | skipped
    reason      text,                                  -- why skipped (Domain/Campaigns/SkipReasons)
    task_id     uuid,
    due_at      timestamptz,                           -- when the message is due on the account's queue
    decided_at  timestamptz,
    primary key (campaign_id, occurrence, customer_id)
);
create index campaign_recipients_pending on campaign_recipients (campaign_id, occurrence, customer_id) where status = 'pending';

-- A campaign's message counts against its account's daily task budget as a follow-up does (TaskStore).
create index tasks_account_budgeted on tasks (account_id, due_at) where origin like 'plan:%' or origin like 'campaign:%';
-- A customer's last reply on an account (the sending account's choice) and a campaign's attributed purchases.
create index replies_customer on replies (customer_id, account_id, at);
create index purchase_orders_origin on purchase_orders (touch_origin) where touch_origin is not null;
