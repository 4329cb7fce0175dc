-- Done, skipped and expired tasks leave the hot table after Matrix:TasksHotFor (90 days by default) and live on in
-- tasks_archive: the queue's indexes and the dashboard's counts then cover months, not years (a million customers
-- make gigabytes of touches a year). The archive has the same columns in the same order, so rows move with one
-- INSERT ... SELECT *; a customer's timeline and the loss list's "last touch" read both tables.
create table tasks_archive (like tasks including defaults);
alter table tasks_archive add primary key (id);
create index tasks_archive_customer on tasks_archive (customer_id) where customer_id is not null;

-- What the archiving sweep looks for: closed tasks by the time they closed (an expired task never closed: its due time).
create index tasks_closed on tasks ((coalesce(done_at, due_at))) where status <> 'open';
