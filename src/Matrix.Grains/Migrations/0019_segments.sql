-- Segments (人群): saved predicates over what Matrix knows of a customer, with their members kept and every entry and
-- exit recorded (Segments/). A predicate is evaluated in SQL over customer_index, one row per customer, so the facts a
-- predicate may name are columns here. Some come from the customer grain (tags, purchases, replies, touches, profile
-- attributes) and some are judgements of the domain's rules that also depend on the ledger and on time passing
-- (class, score band, stage): FactsRefresher computes all of them with Matrix.Domain's CustomerRules from the grain's
-- stored state and the customer's friendships, whenever one of them may have changed, and writes them here.
-- A customer grain's stored state by the customer's id. Orleans's ADO.NET storage keeps a string key that reads as a
-- hexadecimal number of up to 16 digits ("a123456", a real WeChat ID) as that number (grainidn1, no extension) and
-- every other key as the extension string; every reader of customer state by id goes through this one function.
-- (A key in a GUID's form is kept as a GUID; customer ids never take that form.)
create index orleansstorage_by_number on orleansstorage (graintypestring, grainidn1) where grainidextensionstring is null;

create function matrix_customer_state(p_id text, p_service text) returns bytea language sql stable as $$
    select coalesce(
        (select payloadbinary from orleansstorage
          where graintypestring = 'customer' and grainidextensionstring = p_id and serviceid = p_service),
        (select payloadbinary from orleansstorage
          where p_id ~ '^[0-9a-fA-F]{1,16}$' and graintypestring = 'customer' and grainidextensionstring is null and grainidn0 = 0
            and grainidn1 = ('x' || lpad(p_id, 16, '0'))::bit(64)::bigint and serviceid = p_service))
$$;

-- The orders 0017 could not fill from their customer's state, whose id Orleans keeps as a number.
update purchase_orders o
   set at = (p->>'at')::timestamptz, amount = (p->>'amount')::numeric,
       categories = coalesce(array(select i->>'category' from jsonb_array_elements(case when jsonb_typeof(p->'items') = 'array' then p->'items' else '[]' end) i
                                    where i->>'category' is not null), '{}'),
       refunded_at = (p->>'refundedAt')::timestamptz,
       account_id = (select account_id from account_friends f where f.external_id = o.customer_id order by added_at limit 1)
  from (select distinct customer_id from purchase_orders where at is null) c
 cross join lateral (select convert_from(state, 'UTF8')::jsonb as state from (select matrix_customer_state(c.customer_id, s.serviceid) as state
                       from (select distinct serviceid from orleansstorage) s) x where state is not null limit 1) st
 cross join lateral jsonb_array_elements(case when jsonb_typeof(st.state -> 'purchases') = 'array' then st.state -> 'purchases' else '[]' end) p
 where o.customer_id = c.customer_id and o.at is null and p->>'orderId' = o.order_id;

alter table customer_index
    add column class            text,
    add column band             text,
    add column stage            text,
    add column score            int,
    add column purchase_count   int            not null default 0,
    add column spend            numeric(14, 2) not null default 0,
    add column last_purchase_at timestamptz,
    add column last_reply_at    timestamptz,
    add column last_touch_at    timestamptz,
    add column attributes       jsonb          not null default '{}',
    add column link_tags        text[]         not null default '{}',   -- the channel tags of the customer's friendships
    add column friends          int,                                    -- current friendships when the facts were last written
    -- Set when something the facts derive from changed (the grain saved, a friendship changed, a day passed); the
    -- refresher clears it only if it is still the value it read, so a change during a refresh is refreshed again.
    add column facts_due_at     timestamptz    default clock_timestamp(),
    add column facts_at         timestamptz;

create index customer_index_facts_due on customer_index (facts_due_at, id) where facts_due_at is not null;
create index customer_index_all_tags on customer_index using gin ((tags || link_tags));

update customer_index c set link_tags = coalesce((select array_agg(distinct t) from account_friends f, unnest(f.channel_tags) t where f.external_id = c.id), '{}');

-- A friendship made or ended changes the customer's facts (their stage, their channel tags): due again.
create or replace function matrix_customer_linked() returns trigger language plpgsql as $$
begin
    insert into customer_index as c (id, first_added_at, accounts, source_channel, link_text, link_tags, facts_due_at)
    values (new.external_id, new.added_at, array[new.account_id], new.channel_id,
            new.external_id || ' ' || array_to_string(new.channel_tags, ' '), new.channel_tags, clock_timestamp())
    on conflict (id) do update set
        accounts       = case when new.account_id = any(c.accounts) then c.accounts else c.accounts || new.account_id end,
        source_channel = case when c.first_added_at is null or new.added_at < c.first_added_at then new.channel_id else c.source_channel end,
        first_added_at = least(coalesce(c.first_added_at, new.added_at), new.added_at),
        link_text      = case when strpos(c.link_text, array_to_string(new.channel_tags, ' ')) > 0 then c.link_text
                              else c.link_text || ' ' || array_to_string(new.channel_tags, ' ') end,
        link_tags      = array(select distinct t from unnest(c.link_tags || new.channel_tags) t),
        facts_due_at   = clock_timestamp();
    return null;
end $$;

drop trigger customer_linked on account_friends;
create trigger customer_linked after insert or update of added_at, account_id, removed_at on account_friends
    for each row execute function matrix_customer_linked();

-- A segment: its predicate (Domain/Segments, as JSON), versioned; an edit is a new version and a full recount.
create table segments (
    id          text        primary key,
    name        text        not null,
    team        text,                       -- a lead's segment belongs to their team; null: an admin's, everyone's
    predicate   jsonb       not null,
    version     int         not null,
    created_by  text        not null,
    updated_at  timestamptz not null,
    deleted_at  timestamptz,
    -- The members of `counted_version`, as of counted_at (a recount in progress leaves the last one standing).
    counted_version int,
    counted_at      timestamptz
);

-- Who is in a segment now, since when and why.
create table segment_members (
    segment_id  text        not null,
    customer_id text        not null,
    entered_at  timestamptz not null,
    reason      text        not null,
    primary key (segment_id, customer_id)
);
create index segment_members_customer on segment_members (customer_id);

-- Every entry and exit: "entered 会员日人群 on 12-01: purchase of 镜片".
create table segment_history (
    id          bigserial   primary key,
    segment_id  text        not null,
    customer_id text        not null,
    at          timestamptz not null,
    entered     boolean     not null,
    reason      text        not null,       -- what changed: purchase, refund, tag, profile, add, delete, time, recount
    detail      text,                       -- e.g. the purchase's categories, the tag
    version     int         not null
);
create index segment_history_customer on segment_history (customer_id, at);
create index segment_history_segment on segment_history (segment_id, at);

-- Reports over every account (docs/benchmarks.md, "Reports over a chain", second pass). An add's outcome now names
-- its first arrival: the indexes that serve the log's adds by time carry it, so the live days' read stays on the index.
drop index relationship_events_added;
create index relationship_events_added on relationship_events (added_at) include (kind, account_id, channel_id, at, first_arrival);
drop index relationship_events_account_added;
create index relationship_events_account_added on relationship_events (account_id, added_at) include (kind, channel_id, at, first_arrival);
