-- A shared token is kept per app and secret (#19): when an admin replaces a secret (another app's pasted by mistake,
-- then the right one), the nodes must stop using what the old secret fetched at once, not when it expires two hours
-- later; and a token never serves another app, which WeCom refuses with 301002. Stored tokens are only a cache, so
-- the old rows are dropped rather than given a digest.
delete from wecom_tokens;
alter table wecom_tokens add column secret_digest text not null;
alter table wecom_tokens drop constraint wecom_tokens_pkey;
alter table wecom_tokens add primary key (corp_id, agent_id, secret_digest);

-- What WeCom last said when asked about the corp's app with its own token (agent/get), on save and on demand: the
-- app's name when the settings are right, else the code that tells an admin what to fix (40001 a wrong secret,
-- 301002 another app's secret, 40056 a wrong agent id, 60020 an untrusted server address).
alter table wecom_corps
    add column checked_at    timestamptz,
    add column check_code    int,
    add column check_message text,
    add column app_name      text;
