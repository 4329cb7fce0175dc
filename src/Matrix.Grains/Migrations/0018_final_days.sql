-- Reports over every account within 300 ms at a million customers (docs/benchmarks.md, "Reports over a chain"). Two
-- reads went to the events for each request: a range's new friends and which of them left within 1, 7 and 30 days
-- (a year is every add), and each touch probed for a deletion within 48 hours of it. Both are facts that stop
-- changing: an add's 30 days pass, a touch's 48 hours pass. The snapshot job writes each day's once it is final
-- (RelationshipSnapshots), and a report reads final days from these tables and only the days since from the log.

-- Whether an arrival was the customer's first in the matrix (no earlier event of theirs on any account): a channel's
-- new people. Set by the log's trigger; a customer's earlier events are found by this index.
alter table relationship_events add column first_arrival boolean not null default false;
create index relationship_events_customer on relationship_events (customer_id);
update relationship_events e set first_arrival = true
  from (select distinct on (customer_id) id from relationship_events where kind in ('added', 'imported', 'moved_in') order by customer_id, at, id) f
 where e.id = f.id;

create or replace function matrix_relationship_logged() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or (old.removed_at is not null and new.removed_at is null) then
        insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at, first_arrival)
        values (new.added_at, coalesce(nullif(current_setting('matrix.arrival', true), ''), 'added'),
                new.account_id, new.external_id, new.channel_id, new.added_at,
                not exists (select 1 from relationship_events where customer_id = new.external_id));
    elsif old.removed_at is null and new.removed_at is not null then
        insert into relationship_events (at, kind, account_id, customer_id, channel_id, added_at)
        values (new.removed_at, case when new.removed_by_customer then 'lost' else 'removed' end,
                new.account_id, new.external_id, new.channel_id, new.added_at);
    end if;
    return null;
end $$;

-- New friends of a store day (by the add's day) per account and channel, and how many of them ended early: written
-- once, when the day's 30 days have passed (an add on day D is final from D + 31).
create table daily_adds (
    day        date not null,
    account_id text not null,
    channel_id text not null,                -- '' for no channel
    added      int  not null,
    people     int  not null,                -- first arrivals in the matrix
    lost1      int  not null,                -- the customer deleted us within 1, 7, 30 days of the add
    lost7      int  not null,
    lost30     int  not null,
    old7       int  not null,                -- new friends added 7, 30 days before the day was written (all of them, once final)
    ended7     int  not null,                -- of those, lost or removed within 7, 30 days of the add (retention's complement)
    old30      int  not null,
    ended30    int  not null,
    primary key (day, account_id, channel_id)
);

-- Touches done on a store day per account and what they were (a plan, a welcome, a re-home; 'moments:<category>'
-- for Moments posts, whose touches are the friends who saw them), and the deletions within 48 hours of them; and
-- the day's losses with no touch in the 48 hours before (origin ''). Written once, when the 48 hours have passed
-- (day D is final from D + 3).
create table daily_touches (
    day        date   not null,
    account_id text   not null,
    origin     text   not null,
    touches    bigint not null,
    lost48     int    not null,
    primary key (day, account_id, origin)
);

-- The days written to each table ('adds', 'touches'), so the job knows where it got to and a report where the log
-- takes over.
-- Both tables also hold each final day's sums over every account (account_id '*'), which an admin's report reads
-- instead of a row per account: a year is then hundreds of rows, not hundreds of thousands. daily_touches also holds
-- each account's touches of every task origin together (origin '*'), the report's line per account.
create table final_days (
    kind text not null,
    day  date not null,
    primary key (kind, day)
);
