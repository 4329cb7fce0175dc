-- Operators sign in with a password. Only ASP.NET Core's password hash is kept (PBKDF2 with a per-hash salt);
-- failed_count and locked_until carry the lockout after repeated failures.
create table operators (
    user_name     text        primary key,
    role          text        not null check (role in ('Admin', 'Lead', 'Operator')),
    team          text,
    password_hash text        not null,
    failed_count  int         not null default 0,
    locked_until  timestamptz,
    created_at    timestamptz not null,
    created_by    text        not null
);

-- API keys for integrations. The secret is shown once, when the key is made; only its SHA-256 is kept (a key is
-- 32 random bytes, so a fast hash is enough: there is nothing to guess from a dictionary). A key is limited to
-- the endpoints it names and the accounts it names ('*' for all), and is revoked rather than deleted, so the
-- audit log keeps its name.
create table api_keys (
    id          text        primary key,
    name        text        not null,
    secret_hash bytea       not null,
    endpoints   text[]      not null,
    accounts    text[]      not null,
    created_at  timestamptz not null,
    created_by  text        not null,
    revoked_at  timestamptz
);

-- Who did what: sign-ins (and failures), role, status and persona changes, customers moved, plans edited,
-- operators and keys made. Append-only; the newest are read first.
create table audit_log (
    id     bigint      generated always as identity primary key,
    at     timestamptz not null,
    actor  text        not null,
    action text        not null,
    target text        not null,
    detail text        not null default ''
);
create index audit_log_at on audit_log (at desc);
