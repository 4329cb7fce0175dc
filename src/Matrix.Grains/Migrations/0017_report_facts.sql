-- The facts the remaining reports read (channels, accounts, repurchase, tags, churn per Moments category), each
-- written when it happens by the code that makes it happen. Reports never reconstruct them from current rows: a
-- customer's purchases live in their grain's state, and reading a million grains per request is what the reports
-- must not do.

-- Purchases. purchase_orders already claims each order id for one customer (0002); the claim now also keeps the
-- order as the till sent it and whom it is attributed to, decided once at the claim:
--   touch_account_id, touch_origin: the last touch done for the customer in the 7 days before the purchase (a plan's
--     follow-up, a welcome, a campaign's message): the account and what the touch was (Domain/Reports/Attribution);
--   account_id: the account the purchase counts for in a scoped report: the touching account, else the account the
--     customer was a friend of at the time (the latest friendship begun before it).
alter table purchase_orders
    add column at               timestamptz,
    add column amount           numeric(14, 2),
    add column categories       text[] not null default '{}',
    add column refunded_at      timestamptz,
    add column account_id       text,
    add column touch_account_id text,
    add column touch_origin     text;

-- The purchases recorded before this migration, from their customers' stored state (JSON; Matrix.Storage's
-- StateSerializer). Their attribution is unknown and stays empty; their account is the customer's first.
update purchase_orders o
   set at = (p->>'at')::timestamptz, amount = (p->>'amount')::numeric,
       categories = coalesce(array(select i->>'category' from jsonb_array_elements(case when jsonb_typeof(p->'items') = 'array' then p->'items' else '[]' end) i where i->>'category' is not null), '{}'),
       refunded_at = (p->>'refundedAt')::timestamptz,
       account_id = (select account_id from account_friends f where f.external_id = o.customer_id order by added_at limit 1)
  from orleansstorage s, jsonb_array_elements(case when jsonb_typeof(convert_from(s.payloadbinary, 'UTF8')::jsonb -> 'purchases') = 'array'
                                                      then convert_from(s.payloadbinary, 'UTF8')::jsonb -> 'purchases' else '[]' end) p
 where s.graintypestring = 'customer' and s.grainidextensionstring = o.customer_id and s.payloadbinary is not null
   and p->>'orderId' = o.order_id;

create index purchase_orders_at on purchase_orders (at) include (customer_id, account_id, refunded_at);
create index purchase_orders_account_at on purchase_orders (account_id, at) include (customer_id, refunded_at);
create index purchase_orders_touch on purchase_orders (touch_account_id, at) where touch_account_id is not null;
-- A customer's first order (a repurchase cohort) and their next one.
create index purchase_orders_customer_at on purchase_orders (customer_id, at) where refunded_at is null;

-- Replies: a customer wrote to an account. The customer grain keeps 90 days of message times for the score; the
-- account report needs them per account and day, for as long as reports reach. A retried event has the same key.
create table replies (
    account_id  text        not null,
    customer_id text        not null,
    at          timestamptz not null,
    primary key (account_id, at, customer_id)
);
create index replies_at on replies (at) include (account_id);

-- Scans per channel and store day: channel_stats holds the running totals, this the days (same flush, ChannelStats).
create table daily_scans (
    day        date   not null,
    channel_id text   not null,
    scans      bigint not null default 0,
    full_scans bigint not null default 0,
    primary key (channel_id, day)
);
create index daily_scans_day on daily_scans (day);

-- A Moments post's category on its tasks, for churn per touch by category (the post itself lives in its calendar
-- grain). Added to the archive too, in the same position: archiving copies rows column by column.
alter table tasks add column category text;
alter table tasks_archive add column category text;

-- The account report's follow-ups due in a range, for every account (the per-account index is 0003's).
create index tasks_followups_due on tasks (due_at) include (account_id, status) where origin like 'plan:%';
create index tasks_archive_followups_due on tasks_archive (due_at) include (account_id, status) where origin like 'plan:%';
create index tasks_archive_account_followups on tasks_archive (account_id, due_at) include (status) where origin like 'plan:%';

-- A customer's hand-given tags, beside their channel tags (account_friends), for the tag report.
alter table customer_index add column tags text[] not null default '{}';
update customer_index c
   set tags = array(select jsonb_array_elements_text(convert_from(s.payloadbinary, 'UTF8')::jsonb -> 'tags'))
  from orleansstorage s
 where s.graintypestring = 'customer' and s.grainidextensionstring = c.id and s.payloadbinary is not null
   and jsonb_typeof(convert_from(s.payloadbinary, 'UTF8')::jsonb -> 'tags') = 'array';

-- Customers per tag and account at the end of a store day, written with that day's relationship snapshot when the
-- job writes the day that just ended (tags have no log; a day caught up later has none). A customer counts once, on
-- their home account (the latest friendship still on), so a sum over accounts counts distinct customers. The tag ''
-- is every customer of the account: the share's denominator.
create table daily_tags (
    day        date not null,
    account_id text not null,
    tag        text not null,
    customers  int  not null,
    primary key (day, account_id, tag)
);
