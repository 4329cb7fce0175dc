-- Grain state: one row per grain, addressed by (grain_type, grain_key).
--
-- The state is JSON (jsonb, so operators and reports can query into it) and every row carries an integer
-- version. Writers never overwrite blindly: the first write is "insert ... on conflict do nothing" and every
-- later one is "update ... where version = $expected", so whoever read an older version loses the race with
-- an error instead of erasing somebody else's update. Versions only grow (clearing a grain writes an empty
-- state, it does not delete the row), which is what lets a node compare versions announced through
-- NOTIFY with its cached copy.
create table grain_state (
    grain_type text        not null,
    grain_key  text        not null,
    state      jsonb       not null,
    version    bigint      not null check (version > 0),
    updated_at timestamptz not null,
    primary key (grain_type, grain_key)
);

-- Grain types hold many small rows that change often: leave room on each page so updates stay HOT
-- (no index change, no new page) and the table bloats less.
alter table grain_state set (fillfactor = 80);
