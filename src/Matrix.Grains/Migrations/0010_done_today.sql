-- The dashboard counts today's done tasks per set of accounts. Its one statement used to read every open task and
-- every task done since midnight through an OR that no index serves (a scan of the whole table, done tasks of a
-- year included). It now counts open and done work separately, each from a partial index: open work from
-- tasks_account_due (0001), done work from this one.
create index tasks_account_done on tasks (account_id, done_at) where status = 'done';
