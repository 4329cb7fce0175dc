-- Purchases are idempotent by order id. The customer grain ignores an order it already holds, but an order id must
-- also never count for two customers (a till retrying with the wrong customer): this table claims each order id
-- for one customer, first come first served, and the purchase endpoint refuses an order claimed by another.
create table purchase_orders (
    order_id    text        primary key,
    customer_id text        not null,
    claimed_at  timestamptz not null
);
