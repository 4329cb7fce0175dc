-- A hold (a scan's reservation) is the write every scan makes; this leaves its insert one index to maintain
-- besides the primary key.
--
-- The foreign key to account_ledger checked, on every hold, the ledger row the same statement had just updated:
-- reservations are written only by CapacityLedger, only for the row its conditional update returned, and ledger
-- rows are never deleted.
alter table account_reservations drop constraint account_reservations_account_id_fkey;

-- The sweep looks for lapsed holds once a minute, across accounts. The table holds live holds only (tens, at most
-- thousands of rows), so reading it whole is cheap, and the index cost one more insert on every scan.
drop index account_reservations_expiry;

-- Holding slots: up to as many as tokens are given, as many as fit. The scans of one node that want the same
-- account at the same moment are held in one call (Capacity/HoldBatcher.cs), so a burst takes the account's row
-- lock once instead of once per scan. Everything is counted on the values after the increment, under the row
-- lock: load (friends + reserved) within p_limit, and today's adds plus holds within p_budget when there is one.
-- Returns how many were held and the account's counters after; nothing is written when none fits.
--
-- A hold commits asynchronously (synchronous_commit off for this transaction only): the row lock is released
-- without waiting for the disk. If the database crashed in the next fraction of a second, the holds of that moment
-- would be gone, each ledger count together with its reservation rows (one transaction, so never one without the
-- other), and a customer who had just scanned would be confirmed on a free slot or told "full", exactly as after a
-- hold that lapsed. Confirmations, which record friends, stay synchronous.
create function matrix_hold_slots(p_account text, p_limit int, p_budget int, p_day date, p_tokens uuid[], p_channels text[],
                                  p_expires timestamptz)
returns table (held int, hard_cap int, friends int, reserved int, added_today int) language plpgsql as $$
declare
    v_ledger account_ledger%rowtype;
    v_added  int;
    v_n      int;
begin
    select * into v_ledger from account_ledger l where l.account_id = p_account for update;
    if not found then return; end if;
    v_added := case when v_ledger.added_day = p_day then v_ledger.added_today else 0 end;
    v_n := least(cardinality(p_tokens), p_limit - (v_ledger.friends + v_ledger.reserved),
                 coalesce(p_budget - (v_added + v_ledger.reserved), cardinality(p_tokens)));
    if v_n <= 0 then return; end if;

    perform set_config('synchronous_commit', 'off', true);
    update account_ledger l set reserved = l.reserved + v_n where l.account_id = p_account;
    insert into account_reservations (token, account_id, channel_id, expires_at)
    select t.token, p_account, t.channel, p_expires from unnest(p_tokens, p_channels) with ordinality as t(token, channel, i) where t.i <= v_n;
    return query select v_n, v_ledger.hard_cap, v_ledger.friends, v_ledger.reserved + v_n, v_added;
end $$;
