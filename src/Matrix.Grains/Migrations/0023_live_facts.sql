-- Live segment counts in memory (Segments/LiveFacts.cs). Each node keeps the facts a predicate names for every
-- customer and catches up on the rows changed since it last looked. "Changed since" must not miss a row written by
-- a transaction that commits after the node looked, which a timestamp or a sequence value taken at write time would
-- (a slow transaction's value is older than what the reader has already passed). So each row carries the id of the
-- transaction that last wrote it, and a reader remembers the oldest transaction still running when it looked
-- (pg_snapshot_xmin of its snapshot): every row written since has an id at or above it, whenever it committed.
alter table customer_index add column changed_xid xid8;

create function matrix_customer_changed() returns trigger language plpgsql as $$
begin
    new.changed_xid := pg_current_xact_id();
    return new;
end $$;

create trigger customer_changed before insert or update on customer_index
    for each row execute function matrix_customer_changed();

create index customer_index_changed on customer_index (changed_xid);
