-- The customer list at a chain's size (a million customers). Until now a search grouped every friendship
-- (account_friends) by customer, joined each customer's index row and sorted the lot before taking a page: seconds
-- at a million, and the sort spilled to disk. Now customer_index holds one row per customer with everything the
-- list filters and sorts on, so a page is read from indexes in the order shown:
--
--   first_added_at, accounts, source_channel, link_text: what the ledger knows of the customer (when they first
--     arrived, every account they are or were a friend of, where they came from, and their id and channel tags as
--     searchable text), kept by the trigger below on every write of account_friends;
--   display_name, phone, search_text, plans: what the customer grain knows, written by DirectoryWriter after its
--     state is saved (as before).
--
-- The two writers touch different columns of the same row; each upserts, so whichever comes first creates it.
create extension if not exists pg_trgm;

alter table customer_index
    add column first_added_at timestamptz,
    add column accounts       text[] not null default '{}',
    add column source_channel text,
    add column link_text      text   not null default '';

-- A friendship made, or made again: the customer's accounts grow, the first arrival and its channel stay the
-- earliest, the channel tags join the searchable text. Runs inside the confirmation's transaction, under the
-- account's row lock the confirmation holds, so the list can never show a friend the ledger does not have.
create function matrix_customer_linked() returns trigger language plpgsql as $$
begin
    insert into customer_index as c (id, first_added_at, accounts, source_channel, link_text)
    values (new.external_id, new.added_at, array[new.account_id], new.channel_id,
            new.external_id || ' ' || array_to_string(new.channel_tags, ' '))
    on conflict (id) do update set
        accounts       = case when new.account_id = any(c.accounts) then c.accounts else c.accounts || new.account_id end,
        source_channel = case when c.first_added_at is null or new.added_at < c.first_added_at then new.channel_id else c.source_channel end,
        first_added_at = least(coalesce(c.first_added_at, new.added_at), new.added_at),
        link_text      = case when strpos(c.link_text, array_to_string(new.channel_tags, ' ')) > 0 then c.link_text
                              else c.link_text || ' ' || array_to_string(new.channel_tags, ' ') end;
    return null;
end $$;

create trigger customer_linked after insert or update of added_at, account_id on account_friends
    for each row execute function matrix_customer_linked();

-- The customers already there.
insert into customer_index (id, first_added_at, accounts, source_channel, link_text)
select f.external_id, min(f.added_at), array_agg(distinct f.account_id), (array_agg(f.channel_id order by f.added_at))[1],
       f.external_id || ' ' || coalesce((select string_agg(distinct t, ' ') from account_friends g, unnest(g.channel_tags) t where g.external_id = f.external_id), '')
  from account_friends f
 group by f.external_id
on conflict (id) do update set first_added_at = excluded.first_added_at, accounts = excluded.accounts,
    source_channel = excluded.source_channel, link_text = excluded.link_text;

-- Newest arrivals first, the id breaking ties: the list's order, and its keyset (a page starts after the last row).
create index customer_index_arrival on customer_index (first_added_at desc, id desc);
-- An operator's or a lead's customers: those of their accounts.
create index customer_index_accounts on customer_index using gin (accounts);
-- Search by any part of the id, name, remark, phone, attributes or tags (a substring, as people type it).
create index customer_index_text on customer_index using gin ((search_text || ' ' || link_text) gin_trgm_ops);
