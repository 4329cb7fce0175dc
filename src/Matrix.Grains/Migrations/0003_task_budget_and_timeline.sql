-- The daily task budget. A follow-up task over its account's budget for a day is carried to the next day with
-- room; planned_at keeps when it was first due, so a day's queue (ordered by due_at, then planned_at) lists
-- carried tasks in the order they were due. Counting a day's follow-ups per account is what the budget check
-- does on every follow-up it places, hence the partial index on exactly those rows.
alter table tasks add column planned_at timestamptz;
create index tasks_account_followups on tasks (account_id, due_at) where origin like 'plan:%';

-- The sweep that expires tasks left open too long looks for old open tasks.
create index tasks_open_due on tasks (due_at) where status = 'open';

-- A customer's timeline lists every task made for them, on any account.
create index tasks_customer on tasks (customer_id) where customer_id is not null;
