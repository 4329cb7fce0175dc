-- A friend add or a purchase is several steps: the ledger's (or the order's) row, the customer grain, then the
-- follow-up plans it starts. followed_up_at is written after the last step. A retried event whose first attempt
-- stopped before it (a node died, the database went away) finds it empty and completes the follow-ups, instead of
-- answering "duplicate" for work that never landed; a replay of an event that did complete finds it set and
-- changes nothing.
alter table friend_events add column followed_up_at timestamptz;
alter table purchase_orders add column followed_up_at timestamptz;
