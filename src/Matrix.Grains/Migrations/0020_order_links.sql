-- The repurchase report over every account read each order of its range, grouped them by customer, and probed each
-- one for an earlier and a later order of the customer's: 682 ms for 30 days at a million customers, 3 s for a year
-- (docs/benchmarks.md, "Reports over a chain"). Each order now keeps its customer's previous and next order (orders
-- not refunded, by time then id), so the report reads its range's orders once and counts:
--   buyers:        orders whose previous order is before the range (or none): each buyer's first in the range;
--   repeat buyers: of those, the ones whose next order is in the range too;
--   cohorts:       first orders (no previous one) and how soon the next one came.
-- A refunded or undated order's links are left as they were: no report reads them.
alter table purchase_orders add column prev_at timestamptz, add column next_at timestamptz;

-- One customer's links, from their orders as committed now. Claims and refunds of one customer are serialised by the
-- lock, and each statement here reads afresh after it, so two orders claimed at once both end up linked.
create or replace function matrix_link_orders(customer text) returns void language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('orders:' || customer));
    update purchase_orders o set prev_at = l.prev_at, next_at = l.next_at
      from (select order_id, lag(at) over w as prev_at, lead(at) over w as next_at
              from purchase_orders where customer_id = customer and refunded_at is null and at is not null
            window w as (order by at, order_id)) l
     where o.order_id = l.order_id and (o.prev_at, o.next_at) is distinct from (l.prev_at, l.next_at);
end $$;

create or replace function matrix_order_changed() returns trigger language plpgsql as $$
begin
    perform matrix_link_orders(new.customer_id);
    return null;
end $$;

-- Only a claim, a new time or a refund moves the links; the links' own update names neither column, so it does not
-- fire this again.
create trigger purchase_orders_linked after insert or update of at, refunded_at on purchase_orders
    for each row execute function matrix_order_changed();

update purchase_orders o set prev_at = l.prev_at, next_at = l.next_at
  from (select order_id, lag(at) over w as prev_at, lead(at) over w as next_at
          from purchase_orders where refunded_at is null and at is not null
        window w as (partition by customer_id order by at, order_id)) l
 where o.order_id = l.order_id;

create index purchase_orders_links on purchase_orders (at) include (prev_at, next_at, amount) where refunded_at is null;
create index purchase_orders_firsts on purchase_orders (at) include (next_at, account_id) where refunded_at is null and prev_at is null;
