-- A live code's WeCom accounts as a 「联系我」 contact way (#19): one multi-member way per channel, whose members are
-- the accounts of the channel's pool the account selector would send a scan to now (Domain/Accounts/AccountSelector),
-- so WeCom, which picks among the listed members itself, never sends anyone to an account at its cap. The way's
-- state is the channel's, so every add names its channel. Matrix replaces the member list as accounts fill (WeCom's
-- update replaces the list whole) and deletes the way when the channel is disconnected.
create table wecom_contact_ways (
    channel_id  text        primary key,
    corp_id     text        not null,
    config_id   text,                                  -- WeCom's id for the way, once made
    users       text[]      not null default '{}',     -- the members WeCom lists now (userids), as last sent
    qr_code     text,
    synced_at   timestamptz,
    sync_error  text,                                  -- why the last attempt failed, in WeCom's words
    updated_by  text        not null,
    updated_at  timestamptz not null
);
