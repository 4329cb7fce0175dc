-- Several corps (#19): a WeCom account's work goes through its own corp (the one whose members list it, found by the
-- full sync), so a mass message or Moments job remembers the corp it was sent on, and is asked about there.
-- Rows from before this are the only corp's (several corps could not send before).
alter table wecom_messages add column corp_id text;
alter table wecom_moments add column corp_id text;
update wecom_messages set corp_id = (select min(corp_id) from wecom_corps) where corp_id is null;
update wecom_moments set corp_id = (select min(corp_id) from wecom_corps) where corp_id is null;
