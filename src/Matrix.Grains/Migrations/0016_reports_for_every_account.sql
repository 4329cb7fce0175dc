-- An admin's reports and dashboard span every account, and the log's indexes that lead with the account serve a
-- lead's ten accounts, not a thousand: at a million customers the dashboard's chart of adds took 269 ms, a year's
-- early losses and the churn per touch over a second, each reading every event or task. These indexes by time alone
-- let the same statements read only the range asked for (measured in docs/benchmarks.md, "Reports").
create index relationship_events_at on relationship_events (at) include (kind, account_id, channel_id);
create index relationship_events_added on relationship_events (added_at) include (kind, channel_id, at);
create index tasks_done on tasks (done_at) include (origin, account_id, customer_id) where status = 'done';
create index tasks_archive_done on tasks_archive (done_at) include (origin, account_id, customer_id) where status = 'done';
