-- Moments tasks of WeCom accounts sent as enterprise Moments jobs (#19): a post's copies on a persona's WeCom
-- accounts go out as one add_moment_task whose senders are those members (each member still publishes on the phone,
-- as WeCom requires). The task is the unit (its id keys the row: sent once); the job's result ends it: done with the
-- moment's id, or failed for a sender WeCom would not take (the task left for a person).
create table wecom_moments (
    task_id     uuid        primary key,
    jobid       text        not null,
    sender      text        not null,
    status      text        not null,                -- submitted | done | failed
    moment_id   text,
    reason      text,
    submitted_at timestamptz not null,
    finished_at timestamptz
);
create index wecom_moments_submitted on wecom_moments (jobid) where status = 'submitted';
