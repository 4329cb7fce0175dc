-- Message tasks of WeCom accounts sent through WeCom's mass-message API (#19): a follow-up's or a campaign's message
-- to a customer of a WeCom member goes out as add_msg_template from that member (who confirms it on the phone, as
-- WeCom requires), instead of waiting for a person to type it. The task is the unit (its id keys the row: a task is
-- sent once), and WeCom's result for each customer ends it: sent (the task done), not a friend, or over the
-- customer's mass-message quota (skipped with that reason; a quota refusal still counts as a message the customer
-- got that day, since the corp's other message reached them).
create table wecom_messages (
    task_id         uuid        primary key,
    msgid           text,                                -- null when WeCom refused the customer outright (fail_list)
    sender          text        not null,                -- the member's userid
    external_userid text        not null,
    status          text        not null,                -- submitted | sent | not_friend | quota | failed
    reason          text,
    submitted_at    timestamptz not null,
    finished_at     timestamptz
);
create index wecom_messages_submitted on wecom_messages (msgid) where status = 'submitted';
