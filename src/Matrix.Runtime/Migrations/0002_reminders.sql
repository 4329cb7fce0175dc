-- Durable reminders: one row per (grain, reminder name).
--
-- next_due_at is the only column the pollers search on, hence the index. A node claims due rows with
-- "for update skip locked" (so pollers on many nodes never wait for each other) and, in the same statement,
-- moves next_due_at to the end of its lease and stamps a fresh claim_token. That makes failure handling fall
-- out of the schema: if the node dies, its rows simply become due again when the lease ends, and any other
-- node claims them; if it lives, it completes only rows that still carry its token, so a slow node whose
-- lease ran out cannot complete (or double-advance) a row someone else has since claimed.
--
-- tick_due_at keeps the due time of the tick being delivered across such re-claims, so the grain sees the
-- same tick (and can deduplicate on it) and lateness is measured from the real due time.
-- Periodic reminders are anchored: ticks fall on start_at + n * period, and missed ones are skipped.
create table grain_reminders (
    grain_type  text        not null,
    grain_key   text        not null,
    name        text        not null,
    start_at    timestamptz not null,
    period_ms   bigint      check (period_ms > 0),      -- null: one-shot
    next_due_at timestamptz not null,
    tick_due_at timestamptz,
    claim_token uuid,
    claimed_by  text,
    attempts    int         not null default 0,
    primary key (grain_type, grain_key, name)
);

create index grain_reminders_next_due on grain_reminders (next_due_at);
