-- The read side of the grains. A grain is the one place to change a persona, account, channel, plan or
-- customer, and its state is stored by Orleans (orleansstorage, opaque to SQL). Lists of many (the accounts of a
-- pool, every plan, a customer search) are queries, so each grain also writes the row below after its state
-- write: the same fact, shaped for reading. The row is written after the state, and rewritten whole by the
-- grain's next write or by a retried request, so it never shows what the grain refused, and at worst lags the
-- grain by one failed request (which answers an error, and is completed by its retry).

-- Personas, accounts, channels and plans: the record as the grain holds it, as JSON (camelCase, enums by name),
-- with the columns lists filter on. version grows with every write: a node keeps each record deserialised per
-- version and asks only for rows whose version it has not seen.
create table directory (
    kind       text        not null check (kind in ('persona', 'account', 'channel', 'plan')),
    id         text        not null,
    doc        jsonb       not null,
    version    bigint      not null default 1,
    updated_at timestamptz not null default now(),
    primary key (kind, id)
);

create index directory_account_persona on directory ((doc->>'personaId')) where kind = 'account';

-- Customers: what a search matches on (profile text and hand-given tags) and the plans each one is running, so a
-- plan edit finds its customers without reading every customer grain.
create table customer_index (
    id           text        primary key,
    display_name text,
    phone        text,
    search_text  text        not null default '',
    plans        text[]      not null default '{}',
    updated_at   timestamptz not null default now()
);

create index customer_index_plans on customer_index using gin (plans);
