-- The account matrix's counters and event log.
--
-- Profiles (persona, role, status, capacity settings) are grain state. The friend counters are not: a scan must
-- pick among *several* accounts and reserve on one of them atomically, from any node, thousands of times a minute.
-- As grain state that would be a compare-and-swap storm on a few hot rows; here each reservation and each
-- confirmation is one conditional statement on the account's ledger row, and the row's CHECK makes
-- "never above the hard cap" a fact the database enforces at every moment, whatever the number of nodes.
-- Only the capacity code writes these tables, always counting on the value after the increment.
create table account_ledger (
    account_id  text primary key,
    hard_cap    int  not null check (hard_cap > 0),
    friends     int  not null default 0 check (friends >= 0),
    reserved    int  not null default 0 check (reserved >= 0),
    added_today int  not null default 0,
    added_day   date,                                      -- the store-local day added_today counts
    check (friends + reserved <= hard_cap)
);

-- A scan holds a slot for a while so a burst of scans cannot overfill an account; it turns into a friend when
-- the add is confirmed, or lapses (a sweep deletes expired rows and gives the slots back).
create table account_reservations (
    token      uuid        primary key,
    account_id text        not null references account_ledger,
    channel_id text,
    expires_at timestamptz not null
);
create index account_reservations_account on account_reservations (account_id, expires_at);
create index account_reservations_expiry on account_reservations (expires_at);

-- Who is a friend of which account, through which channel (its state and tags at the time), and since when.
-- This is the one record of a customer's accounts and source: the customer grain reads it rather than keeping a
-- copy, so a confirmation is one write and the two can never disagree. removed_at keeps deletions (churn).
create table account_friends (
    account_id          text        not null,
    external_id         text        not null,
    channel_id          text,
    channel_state       text,
    channel_tags        text[]      not null default '{}',
    added_at            timestamptz not null,
    removed_at          timestamptz,
    removed_by_customer boolean,
    primary key (account_id, external_id)
);
create index account_friends_customer on account_friends (external_id);

-- Every friend event once: the idempotency key makes a replayed event change nothing.
create table friend_events (
    idempotency_key text        primary key,
    kind            text        not null,
    account_id      text        not null,
    external_id     text        not null,
    occurred_at     timestamptz not null,
    outcome         text        not null
);

-- Scans per channel, flushed from each node's counters every few seconds (a per-scan write would make one hot row).
create table channel_stats (
    channel_id   text   primary key,
    scans        bigint not null default 0,
    full_scans   bigint not null default 0,
    last_full_at timestamptz
);

-- Things the team must act on ("pool full: open a new sibling account"). One open alert per subject and kind.
create table alerts (
    id          bigserial   primary key,
    kind        text        not null,
    subject_id  text        not null,
    message     text        not null,
    raised_at   timestamptz not null,
    resolved_at timestamptz
);
create unique index alerts_open on alerts (kind, subject_id) where resolved_at is null;

-- The operators' work: what a person should do on which account's phone, and when. (Issue 4 builds the queue.)
create table tasks (
    id          uuid        primary key,
    account_id  text        not null,
    customer_id text,
    kind        text        not null,
    body        text        not null,
    due_at      timestamptz not null,
    origin      text        not null,
    status      text        not null default 'open',
    created_at  timestamptz not null,
    done_at     timestamptz,
    done_by     text,
    skip_reason text,
    -- A re-homing task moves its customer to target_account_id, where a slot is held for it (reservation)
    -- until a person has done the introduction: the customer counts there from that moment.
    target_account_id text,
    reservation       uuid
);
create index tasks_account_due on tasks (account_id, due_at) where status = 'open';

-- Confirming an add is several steps that must see one another under the account's row lock; as a function
-- they are one round trip, so the lock is held for microseconds, not for several network turns.
-- Outcomes: 'added', 'duplicate' (event seen before), 'already-friend', 'full' (no room, nothing changed), 'unknown-account'.
-- p_reservation names the slot to consume (a re-homing task's); otherwise the oldest live one of the account is used.
create function matrix_confirm_friend(p_key text, p_account text, p_external text, p_channel text, p_at timestamptz,
                                      p_now timestamptz, p_day date, p_welcome text, p_task uuid, p_reservation uuid default null,
                                      p_state text default null, p_tags text[] default '{}')
returns text language plpgsql as $$
declare
    v_consumed int;
    v_outcome  text;
begin
    perform 1 from account_ledger where account_id = p_account for update;
    if not found then return 'unknown-account'; end if;

    insert into friend_events values (p_key, 'added', p_account, p_external, p_at, 'pending') on conflict do nothing;
    if not found then return 'duplicate'; end if;

    insert into account_friends (account_id, external_id, channel_id, channel_state, channel_tags, added_at)
    values (p_account, p_external, p_channel, p_state, coalesce(p_tags, '{}'), p_at)
    on conflict (account_id, external_id) do update
       set channel_id = excluded.channel_id, channel_state = excluded.channel_state, channel_tags = excluded.channel_tags,
           added_at = excluded.added_at, removed_at = null, removed_by_customer = null
     where account_friends.removed_at is not null;
    if not found then
        v_outcome := 'already-friend';
    else
        -- The oldest live reservation of this account becomes this friend (a confirmation names no reservation).
        delete from account_reservations where account_id = p_account and token = coalesce(p_reservation, (
            select token from account_reservations where account_id = p_account and expires_at > p_now
             order by expires_at limit 1));
        get diagnostics v_consumed = row_count;
        update account_ledger
           set friends = friends + 1, reserved = reserved - v_consumed,
               added_today = case when added_day = p_day then added_today + 1 else 1 end, added_day = p_day
         where account_id = p_account and friends + 1 + reserved - v_consumed <= hard_cap;
        if not found then
            raise exception using errcode = 'MX001', message = 'full';
        end if;
        if p_welcome is not null then
            insert into tasks (id, account_id, customer_id, kind, body, due_at, origin, created_at)
            values (p_task, p_account, p_external, 'welcome', p_welcome, p_now, 'channel', p_now);
        end if;
        v_outcome := 'added';
    end if;
    update friend_events set outcome = v_outcome where idempotency_key = p_key;
    return v_outcome;
exception
    when sqlstate 'MX001' then return 'full';   -- the block's changes are rolled back: the event is not recorded
end $$;

-- Outcomes: 'removed', 'duplicate', 'not-a-friend', 'unknown-account'.
create function matrix_remove_friend(p_key text, p_account text, p_external text, p_by_customer boolean, p_at timestamptz)
returns text language plpgsql as $$
declare
    v_outcome text;
begin
    perform 1 from account_ledger where account_id = p_account for update;
    if not found then return 'unknown-account'; end if;
    insert into friend_events values (p_key, 'deleted', p_account, p_external, p_at, 'pending') on conflict do nothing;
    if not found then return 'duplicate'; end if;
    update account_friends set removed_at = p_at, removed_by_customer = p_by_customer
     where account_id = p_account and external_id = p_external and removed_at is null;
    if found then
        update account_ledger set friends = friends - 1 where account_id = p_account;
        v_outcome := 'removed';
    else
        v_outcome := 'not-a-friend';
    end if;
    update friend_events set outcome = v_outcome where idempotency_key = p_key;
    return v_outcome;
end $$;
