-- Sign-in sessions, so that a session can end everywhere at once. The cookie carries the session's id; every node
-- checks it against this table (at most a few seconds stale, SessionCheck), so signing out, a password change
-- (other sessions), disabling an operator or an admin's "end sessions" takes effect on every node and in every open
-- console circuit within seconds. A session row is ended, never deleted: the audit log can name it.
create table operator_sessions (
    id         uuid        primary key,
    user_name  text        not null references operators (user_name),
    started_at timestamptz not null,
    ended_at   timestamptz,
    client     text        not null default ''
);

create index operator_sessions_open on operator_sessions (user_name) where ended_at is null;

-- An operator an admin disabled cannot sign in and their sessions are ended; enabling lets them sign in again.
-- must_change_password: the first admin's one-time password and an admin's password reset are good for one
-- thing only, setting a password of one's own.
alter table operators add column disabled_at timestamptz;
alter table operators add column must_change_password boolean not null default false;
