-- A re-home of a WeCom account done through WeCom's transfer API (#19): each "transfer" task the re-home planned
-- (Grains/Accounts/RehomeService, which already leaves out customers transferred twice in 90 days) is sent once, and
-- its customer's transfer followed to its end: WeCom answers "taken over in 24 hours" (waiting), then done, refused
-- by the customer, or the takeover at its limit. The task is the unit: its id keys the row, so a retried submission
-- never sends a customer twice, and done (the customer counted on the takeover) happens once whichever of the
-- callback and the poll tells first.
create table wecom_transfers (
    task_id         uuid        primary key,
    corp_id         text        not null,
    handover        text        not null,                -- userids
    takeover        text        not null,
    external_userid text        not null,
    resigned        boolean     not null,                -- the resigned API (the member left) rather than the on-job one
    status          text        not null,                -- waiting | done | refused | limit | failed
    errcode         int,                                 -- WeCom's per-customer answer when it was not 0
    reason          text,
    submitted_at    timestamptz not null,
    takeover_at     timestamptz,                         -- when WeCom said the takeover happens
    finished_at     timestamptz
);
create index wecom_transfers_waiting on wecom_transfers (handover, takeover) where status = 'waiting';
