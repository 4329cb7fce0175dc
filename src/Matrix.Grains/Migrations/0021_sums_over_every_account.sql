-- An admin's growth report read every account's snapshot row of every day in its range and summed them per day: a
-- year at a million customers is 365,000 rows (349 ms; docs/benchmarks.md, "Reports over a chain"). Each written day
-- now also holds its sums over every account per channel (account_id '*', as daily_adds and daily_touches do since
-- Migrations/0018), which an unscoped read takes instead. Readers by account skip them.
insert into daily_relationships (day, account_id, channel_id, friends, added, imported, moved_in, lost, removed)
select day, '*', channel_id, sum(friends), sum(added), sum(imported), sum(moved_in), sum(lost), sum(removed)
  from daily_relationships group by day, channel_id;

-- Churn per touch asks of each loss whether a touch was done for the customer on that account in the 48 hours before,
-- and a purchase's attribution asks for the last touch in the 7 days before: both answered from the index alone.
create index tasks_done_customer on tasks (customer_id, account_id, done_at) where status = 'done';
create index tasks_archive_done_customer on tasks_archive (customer_id, account_id, done_at) where status = 'done';

-- A Moments post's exposure is its account's friends at the end of the day before: from the index alone too.
drop index daily_relationships_account;
create index daily_relationships_account on daily_relationships (account_id, day) include (friends);

-- A scoped report reads its accounts' final days: by account, then day (the keys lead with the day, every account's).
-- These were once in 0019; "if not exists" serves a database that applied that version of it.
create index if not exists daily_adds_account on daily_adds (account_id, day);
create index if not exists daily_touches_account on daily_touches (account_id, day);
