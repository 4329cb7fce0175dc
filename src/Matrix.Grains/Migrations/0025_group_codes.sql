-- Group live codes (群活码, #20) for groups run by people on personal WeChat. The operator uploads each group's QR
-- image (WeChat makes it stop working 7 days later); a scan of the code is sent to the first group, in the code's
-- order, that is open, has a working image and is below its soft full (Domain/Groups/GroupRules). Members are
-- Matrix's count: each scan sent to a group counts one (a person who scanned may join), and an operator's report of
-- the group's real number replaces it. The count never passes the group's capacity: a scan takes its place with one
-- conditional update, and the check constraint holds whatever else writes.
create table group_codes (
    id          text        primary key,
    name        text        not null,
    persona_id  text        not null,                  -- whose groups (the persona's accounts get the "open a group" task)
    created_by  text        not null,
    created_at  timestamptz not null
);

create table group_code_groups (
    code_id           text        not null references group_codes,
    id                text        not null,
    position          int         not null,            -- the order scans try the groups in
    name              text        not null,
    kind              text        not null,            -- Domain/Groups/GroupKind
    capacity          int         not null,
    soft_full         int         not null,
    members           int         not null default 0,
    scans             bigint      not null default 0,  -- scans sent here, ever
    image_url         text,
    image_uploaded_at timestamptz,
    closed_at         timestamptz,
    primary key (code_id, id),
    check (members >= 0 and members <= capacity),
    check (soft_full between 1 and capacity)
);

-- Which group was linked to the code when, and what happened to it: linked, image, report, closed.
create table group_code_history (
    id       bigserial   primary key,
    code_id  text        not null,
    group_id text        not null,
    at       timestamptz not null,
    event    text        not null,
    detail   text,
    by_whom  text
);
create index group_code_history_code on group_code_history (code_id, at);
