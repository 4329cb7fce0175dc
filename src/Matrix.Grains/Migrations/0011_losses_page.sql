-- The loss list (customers who deleted us, newest first) is read a page at a time: this index gives the newest
-- losses in order without reading a year of friendships.
create index account_friends_losses on account_friends (removed_at desc, account_id, external_id) where removed_by_customer;
