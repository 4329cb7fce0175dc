-- Group codes of WeCom customer groups (#20): such a code is a 「加入群聊」 join way on a corp's app. WeCom sends a
-- scan to the first group its way lists that has room, and lists at most five; Matrix chooses the list (the code's
-- groups below their soft full, Domain/Groups/JoinWayRules) from member counts it reads from WeCom itself
-- (groupchat/get), on each group callback and on a sweep, never from a mirror of its own. auto_create_room is a
-- column without a default because Matrix sends it on every add and update: WeCom's default is on.
alter table group_codes
    add column corp_id          text,                          -- the join way's corp; null for a code of personal-WeChat groups
    add column auto_create_room boolean,
    add column room_base_name   text,
    add column room_base_id     int,
    add column new_capacity     int,                           -- what groups WeCom opens for the way are given
    add column new_soft_full    int,
    add column config_id        text,                          -- WeCom's id for the way, once it exists
    add column listed_chats     text[] not null default '{}',  -- the list WeCom holds, as last sent
    add column qr_code          text,                          -- the way's QR image (WeCom's URL)
    add column synced_at        timestamptz,                   -- when the list was last sent or found unchanged
    add column sync_error       text;                          -- why the last attempt failed, in WeCom's words; null when it did not

-- A WeCom group is its chat: linked to one open code at a time, found by it when its callbacks come.
alter table group_code_groups
    add column chat_id    text,
    add column counted_at timestamptz;                         -- when members was last read from WeCom
create unique index group_code_groups_chat on group_code_groups (chat_id) where chat_id is not null and closed_at is null;
