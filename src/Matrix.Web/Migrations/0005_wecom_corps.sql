-- A WeCom corp and its app (#19): where its API is, and the secrets Matrix needs to call it and to read its
-- callbacks. The secrets are stored encrypted with Data Protection (the key ring every node shares, 0002) and are
-- never shown again: the console and the API show whether they are set, not what they are.
create table wecom_corps (
    corp_id     text        primary key,
    agent_id    text        not null,
    api_base    text        not null,
    secret      text        not null,                  -- protected
    token       text        not null,                  -- protected: the callback token
    aes_key     text        not null,                  -- protected: the callback EncodingAESKey
    updated_by  text        not null,
    updated_at  timestamptz not null
);
