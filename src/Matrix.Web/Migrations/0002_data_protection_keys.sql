-- ASP.NET Core Data Protection's key ring: the keys that sign and encrypt the sign-in cookie and antiforgery
-- tokens. Kept in the database every node shares, so a cookie one node issued is read by any other (behind a
-- load balancer, and after a node is replaced). Keys are only ever added; the key manager retires old ones by
-- their own expiry dates inside the XML.
create table data_protection_keys (
    name       text        primary key,
    xml        text        not null,
    created_at timestamptz not null default now()
);
