-- Reports a lead can trust (Reports/RelationshipLog.cs). Growth and churn come from one append-only log of what
-- happened to each relationship, never from the current rows: account_friends says who is a friend now, and a row
-- edited or re-added later would move yesterday's numbers. A trigger on account_friends writes the log inside the
-- same transaction as the change (the ledger's functions hold the account's row lock), so the log can neither miss
-- a change nor record one that was rolled back.
--
--   kind      what happened                                   counts as
--   added     a new friend (a scan, a webhook, a dated import) growth: new
--   imported  an import's friendship of unknown start          an existing relationship: neither new nor lost
--   moved_in  a re-homed customer arriving from a sibling      a transfer: not new
--   lost      the customer deleted us                          churn
--   removed   we deleted the customer                          lost, not churn
--
-- The caller says what an arrival is (the setting matrix.arrival, local to the confirmation's transaction:
-- CapacityLedger.ConfirmFriendAsync); a plain add is 'added'.
create table relationship_events (
    id          bigserial   primary key,
    at          timestamptz not null,       -- when it happened (the event's own time)
    kind        text        not null,
    account_id  text        not null,
    customer_id text        not null,
    channel_id  text,
    added_at    timestamptz not null,       -- when the friendship began: a loss within N days of its add
    logged_at   timestamptz not null default now(),
    -- The store day whose snapshot took the event (null until one did). Bookkeeping, not a fact: the snapshot job
    -- sets it once, in the transaction that writes the day's rows, so each event is in exactly one snapshot.
    snapshot_day date
);
create index relationship_events_account_at on relationship_events (account_id, at) include (kind, channel_id);
create index relationship_events_unsnapshot on relationship_events (at) where snapshot_day is null;
-- Early losses: the friends added in a range and which of them left within days of it, by the add's time.
create index relationship_events_account_added on relationship_events (account_id, added_at) include (kind, channel_id, at);
-- Churn per touch: did this customer delete this account within 48 hours of a touch?
create index relationship_events_lost on relationship_events (account_id, customer_id, at) where kind = 'lost';

create function matrix_relationship_logged() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or (old.removed_at is not null and new.removed_at is null) then
        insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at)
        values (new.added_at, coalesce(nullif(current_setting('matrix.arrival', true), ''), 'added'),
                new.account_id, new.external_id, new.channel_id, new.added_at);
    elsif old.removed_at is null and new.removed_at is not null then
        insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at)
        values (new.removed_at, case when new.removed_by_customer then 'lost' else 'removed' end,
                new.account_id, new.external_id, new.channel_id, new.added_at);
    end if;
    return null;
end $$;

create trigger relationship_logged after insert or update of removed_at on account_friends
    for each row execute function matrix_relationship_logged();

-- Every relationship so far, as the log would have recorded it (a friendship ended and begun again keeps only its
-- latest start: account_friends kept no more).
insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at, logged_at)
select added_at, 'added', account_id, external_id, channel_id, added_at, added_at from account_friends;
insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at, logged_at)
select removed_at, case when removed_by_customer then 'lost' else 'removed' end, account_id, external_id, channel_id, added_at, removed_at
  from account_friends where removed_at is not null;

-- One row per store day, account and channel, written once by the snapshot job and never changed: last month's
-- report reads the same next year. friends is the count at the end of the day.
create table daily_relationships (
    day        date not null,
    account_id text not null,
    channel_id text not null,                -- '' for no channel
    friends    int  not null,
    added      int  not null,
    imported   int  not null,
    moved_in   int  not null,
    lost       int  not null,
    removed    int  not null,
    primary key (day, account_id, channel_id)
);
create index daily_relationships_account on daily_relationships (account_id, day);

-- The days written, so the job knows where it got to (a day with no events still has its row here).
create table snapshot_days (
    day        date        primary key,
    written_at timestamptz not null
);
