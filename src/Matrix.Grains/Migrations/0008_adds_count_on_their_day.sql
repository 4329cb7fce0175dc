-- Confirming an add, a third time: an add that happened on an earlier store day (a backfill, an import, a webhook
-- replayed late) is a friend like any other but not one of today's adds. Until now every confirmation counted into
-- added_today, so a demo spreading its arrivals over thirty days showed them all as added today, and a late webhook
-- ate into today's budget. p_at_day is the store-local day of p_at (the caller knows the store's zone; SQL does not);
-- left out, the add counts today as before.
--
-- A new parameter makes a new function: the old one is dropped so that a call cannot match both.
drop function matrix_confirm_friend(text, text, text, text, timestamptz, timestamptz, date, text, uuid, uuid, text, text[]);

create function matrix_confirm_friend(p_key text, p_account text, p_external text, p_channel text, p_at timestamptz,
                                      p_now timestamptz, p_day date, p_welcome text, p_task uuid, p_reservation uuid default null,
                                      p_state text default null, p_tags text[] default '{}', p_at_day date default null)
returns text language plpgsql as $$
declare
    v_ledger  account_ledger%rowtype;
    v_token   uuid;
    v_outcome text;
begin
    select * into v_ledger from account_ledger where account_id = p_account for update;
    if not found then return 'unknown-account'; end if;
    if exists (select 1 from friend_events where idempotency_key = p_key) then return 'duplicate'; end if;

    -- The slot this friend takes: the named reservation, or else the oldest live one of the account.
    select token into v_token from account_reservations
     where account_id = p_account and token = coalesce(p_reservation, (
           select token from account_reservations where account_id = p_account and expires_at > p_now
            order by expires_at limit 1));

    if v_ledger.friends + 1 + v_ledger.reserved - (v_token is not null)::int > v_ledger.hard_cap
       and not exists (select 1 from account_friends where account_id = p_account and external_id = p_external and removed_at is null) then
        return 'full';   -- nothing written: the event is not recorded, so it may be sent again once there is room
    end if;

    insert into account_friends (account_id, external_id, channel_id, channel_state, channel_tags, added_at)
    values (p_account, p_external, p_channel, p_state, coalesce(p_tags, '{}'), p_at)
    on conflict (account_id, external_id) do update
       set channel_id = excluded.channel_id, channel_state = excluded.channel_state, channel_tags = excluded.channel_tags,
           added_at = excluded.added_at, removed_at = null, removed_by_customer = null
     where account_friends.removed_at is not null;
    if not found then
        v_outcome := 'already-friend';
    else
        if v_token is not null then
            delete from account_reservations where token = v_token;
        end if;
        update account_ledger
           set friends = friends + 1, reserved = reserved - (v_token is not null)::int,
               added_today = case when added_day = p_day then added_today else 0 end + (coalesce(p_at_day, p_day) = p_day)::int,
               added_day = p_day
         where account_id = p_account;
        if p_welcome is not null then
            insert into tasks (id, account_id, customer_id, kind, body, due_at, origin, created_at)
            values (p_task, p_account, p_external, 'welcome', p_welcome, p_now, 'channel', p_now);
        end if;
        v_outcome := 'added';
    end if;

    insert into friend_events values (p_key, 'added', p_account, p_external, p_at, v_outcome) on conflict do nothing;
    if not found then
        raise exception using errcode = 'MX002', message = 'duplicate idempotency key';
    end if;
    return v_outcome;
end $$;
