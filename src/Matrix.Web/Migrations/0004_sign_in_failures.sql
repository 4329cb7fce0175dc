-- Failed sign-ins are counted per user name and client address, so that failures from one address lock that
-- address out for a while and never the operator for everyone (anyone could otherwise keep 'admin' locked out).
-- Attempts per user name from all addresses together are rate limited in memory (SignInThrottle).
create table sign_in_failures (
    user_name    text        not null,
    address      text        not null,
    failed_count int         not null default 0,
    locked_until timestamptz,
    primary key (user_name, address)
);
