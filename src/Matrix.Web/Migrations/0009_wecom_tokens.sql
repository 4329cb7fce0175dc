-- A WeCom app's access token shared by every node (#19): one node at a time fetches it, holding the app's advisory
-- lock (class 1305), and the others read it here. The token is a credential, stored protected with Data Protection.
create table wecom_tokens (
    corp_id   text        not null,
    agent_id  text        not null,
    token     text        not null,                      -- protected
    until     timestamptz not null,                      -- when nodes stop using it (five minutes before WeCom ends it)
    primary key (corp_id, agent_id)
);
