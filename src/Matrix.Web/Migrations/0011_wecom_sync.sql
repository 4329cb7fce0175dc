-- The WeCom full sync, tag mirror and outbox (#19).

-- Matrix's managed tag list mirrored to a corp's tags: a dimension is a tag group of the same name, a tag a tag in
-- it. A row says which corp tag a Matrix tag is (tag_id), or why it is not: the name is taken in another group, or
-- the corp's tag was renamed or deleted in WeCom's console after it was mirrored. A conflict is reported, never
-- overwritten: a person settles it in WeCom (or in Matrix's list) and the next sync reads it again.
create table wecom_tags (
    corp_id    text        not null,
    dimension  text        not null,
    tag        text        not null,
    tag_id     text,
    conflict   text,                       -- null | name_elsewhere | renamed | deleted | refused
    detail     text,                       -- the other group's name, WeCom's new name, or its error
    synced_at  timestamptz not null,
    primary key (corp_id, dimension, tag)
);
create index wecom_tags_by_id on wecom_tags (corp_id, tag_id);

-- Calls WeCom could not take when Matrix made them (it was down, rate-limited, or refused this server), kept until
-- sent: tried again at next_at (WeComFailures.NextTry), by one node at a time (a row is sent under its row lock).
-- 'failed' is a call WeCom refused for itself; it stays listed with WeCom's reason.
create table wecom_outbox (
    id          bigserial   primary key,
    corp_id     text        not null,
    kind        text        not null,      -- mark_tag
    path        text        not null,
    body        jsonb       not null,
    subject     text        not null,      -- what the call is about, as the console lists it
    status      text        not null default 'pending',  -- pending | done | failed
    attempts    int         not null default 0,
    next_at     timestamptz not null,
    last_code   int,
    last_error  text,
    created_at  timestamptz not null,
    done_at     timestamptz
);
create index wecom_outbox_due on wecom_outbox (next_at) where status = 'pending';

-- A corp's sync: when it last ran in full (the nightly rule reads it), when one was asked for, its last error
-- (a setup error such as 60020 stays until a sync passes), and the members WeCom lists that are no Matrix account.
create table wecom_corp_syncs (
    corp_id           text        primary key,
    requested_at      timestamptz,
    started_at        timestamptz,
    last_synced_at    timestamptz,
    last_code         int,
    last_error        text,
    last_error_at     timestamptz,
    next_retry_at     timestamptz,
    attempts          int         not null default 0,
    unmatched_members text[]      not null default '{}'
);

-- Each WeCom account's customer sync: a run pages through the member's customers, keeping its cursor after every
-- page, so a run stopped (a restart, WeCom's rate limit, an outage) resumes where it stopped. The customers a run
-- has seen are in wecom_sync_seen; at the run's end a friend Matrix holds that WeCom no longer lists is ended.
create table wecom_account_syncs (
    account_id      text        primary key,
    corp_id         text        not null,
    user_id         text        not null,
    run_started_at  timestamptz,
    cursor          text,
    seen            int         not null default 0,
    last_synced_at  timestamptz,
    added           int         not null default 0,
    removed         int         not null default 0,
    last_code       int,
    last_error      text,
    last_error_at   timestamptz,
    next_retry_at   timestamptz,
    attempts        int         not null default 0
);

create table wecom_sync_seen (
    account_id  text not null,
    external_id text not null,
    primary key (account_id, external_id)
);
