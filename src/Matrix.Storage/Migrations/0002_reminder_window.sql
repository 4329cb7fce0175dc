------------------------------------------------------------------------------------------------------------------
-- Reminders: a silo loads only the reminders that fall due soon.
--
-- Orleans's reminder service reads every row of its hash range when it starts, when its range changes and on every
-- refresh (ReminderOptions.RefreshReminderListPeriod, five minutes by default), and keeps a timer for each row it
-- read. Matrix keeps one reminder per planned touch, most of them weeks or months ahead: at a million customers a
-- node read 950,000 rows every five minutes and held as many timers, for the few that fall due within the hour.
--
-- The range reads below return only rows that start before now() + 1 hour. The rest are loaded by a later refresh,
-- long before they fall due, because the window is twelve refresh periods wide. Dropping a row from a read is safe:
-- the service removes a local timer whose row a refresh no longer returns, and a later refresh that does return it
-- starts it again at its own start time. A reminder registered on this node (the usual way a touch is planned)
-- starts its timer at once; if it lies beyond the window, the next refresh drops the timer. Rows whose start has passed
-- stay in every read (a periodic reminder keeps its first start time), so retries and overdue wake-ups are never
-- left out. now() is the database's clock; silos and the database are expected to agree to within minutes.
--
-- The window must stay wider than the refresh period: raise it here if that option is ever raised.
------------------------------------------------------------------------------------------------------------------

-- Reads by start time first: the rows due soon are few, whatever the size of the range.
create index orleansreminderstable_due on orleansreminderstable (serviceid, starttime, grainhash);

update orleansquery set querytext = '
    select grainid, remindername, starttime, period, version from orleansreminderstable
     where serviceid = @ServiceId and starttime < now() + interval ''1 hour''
       and grainhash > @BeginHash and grainhash <= @EndHash'
 where querykey = 'ReadRangeRows1Key';

update orleansquery set querytext = '
    select grainid, remindername, starttime, period, version from orleansreminderstable
     where serviceid = @ServiceId and starttime < now() + interval ''1 hour''
       and (grainhash > @BeginHash or grainhash <= @EndHash)'
 where querykey = 'ReadRangeRows2Key';
