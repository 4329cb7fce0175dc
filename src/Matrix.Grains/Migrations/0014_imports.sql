-- Customer imports from spreadsheets (Imports/ImportStore.cs). An import is checked first (a dry run: every row's
-- verdict stored with the job) and committed later, in the background: the job grain takes the rows without an
-- outcome in row order, a chunk at a time, and writes their outcomes with the job's counters in one statement. A
-- node that dies mid-chunk leaves the chunk without outcomes; the next tick does it again, and every step of a row
-- is idempotent (the friendship by its event key, the purchase by its order id, profile and tags by value).
create table import_jobs (
    id              uuid primary key,
    file_name       text        not null,
    file_hash       text        not null,   -- SHA-256 of the file as uploaded: the same file imported twice is seen as such
    format          text        not null,   -- xlsx | csv
    encoding        text        not null,   -- how the text was read: xlsx, utf-8, utf-8-bom, utf-16, gb18030
    mode            text        not null,   -- what is done to existing customers (ImportMode)
    default_account text,                   -- the account rows without one go to
    headers         text[]      not null,
    ignored         text[]      not null,   -- headers Matrix has no place for, said in the dry run
    scope           text[],                 -- the accounts the importer could see when checking (null: every one); the commit keeps to them
    created_by      text        not null,
    created_at      timestamptz not null,
    status          text        not null,   -- Checked | Committing | Done (ImportStatus)
    committed_by    text,
    committed_at    timestamptz,
    finished_at     timestamptz,
    rows_total      int         not null,
    verdicts        jsonb       not null,   -- the dry run's count of each verdict
    rows_done       int         not null default 0,
    outcomes        jsonb       not null default '{}'  -- the commit's count of each outcome so far
);

create table import_rows (
    job_id      uuid    not null references import_jobs on delete cascade,
    row_no      int     not null,           -- as the spreadsheet numbers it: the header is row 1
    cells       text[]  not null,           -- the row as read, for the failed-rows file and the commit's second reading
    verdict     text    not null,
    customer_id text,                       -- the customer matched or to be created
    account_id  text,                       -- the account the row puts them on
    duplicate_of int,
    reasons     jsonb   not null default '[]',
    outcome     text,                       -- null until committed
    primary key (job_id, row_no)
);
-- What the commit takes next: the job's rows still to do, in order.
create index import_rows_pending on import_rows (job_id, row_no) where outcome is null and verdict in ('Create', 'Update');

-- Customers by phone as imports compare them ("+86 138-0013-8000" is 13800138000): written by DirectoryWriter from
-- PhoneNumbers.Normalise. Rows written before this migration are filled here the same way for mainland numbers
-- (separators and a +86 / 0086 / 86 country code dropped); anything else is left for the next write of the customer.
alter table customer_index add column phone_key text;
update customer_index
   set phone_key = regexp_replace(regexp_replace(phone, '[\s().-]', '', 'g'), '^(\+86|0086|86(?=1\d{10}$))', '')
 where phone is not null and regexp_replace(regexp_replace(phone, '[\s().-]', '', 'g'), '^(\+86|0086|86(?=1\d{10}$))', '') ~ '^1[3-9]\d{9}$';
create index customer_index_phone_key on customer_index (phone_key) where phone_key is not null;
