-- Orleans's tables on PostgreSQL: clustering (membership), grain state and reminders, for the ADO.NET providers
-- of Orleans 10.4.2. The providers issue no SQL of their own: they look each statement up by key in OrleansQuery
-- and bind parameters by name (@DeploymentId, @GrainIdHash, ...), and read results by column name. So the keys,
-- parameter names and result columns below are a contract with those packages; the rest (types, indexes,
-- functions) is ours. Checked against the keys and parameters the 10.4.2 assemblies contain (10.4.2's clustering has
-- no MetadataJson, which later scripts add); re-check on every Orleans upgrade.
-- Written for this schema, after Orleans's reference scripts (src/AdoNet in dotnet/orleans).

create table orleansquery (
    querykey  varchar(64)   not null primary key,
    querytext varchar(8000) not null
);

------------------------------------------------------------------------------------------------------------------
-- Membership. One version row per cluster (deployment); every change to a silo row bumps it in the same
-- statement, with a compare on the version the silo read: the membership protocol's optimistic concurrency.
------------------------------------------------------------------------------------------------------------------
create table orleansmembershipversiontable (
    deploymentid varchar(150)   not null primary key,
    timestamp    timestamptz(3) not null default now(),
    version      integer        not null default 0
);

create table orleansmembershiptable (
    deploymentid varchar(150)   not null references orleansmembershipversiontable (deploymentid),
    address      varchar(45)    not null,
    port         integer        not null,
    generation   integer        not null,
    siloname     varchar(150)   not null,
    hostname     varchar(150)   not null,
    status       integer        not null,
    proxyport    integer,
    suspecttimes varchar(8000),
    starttime    timestamptz(3) not null,
    iamalivetime timestamptz(3) not null,
    primary key (deploymentid, address, port, generation)
);

-- Returns 1 when the row was inserted and the version moved, 0 when another silo changed the table first.
create function orleans_insert_membership(
    p_deploymentid text, p_address text, p_port int, p_generation int, p_siloname text, p_hostname text,
    p_status int, p_proxyport int, p_starttime timestamptz, p_iamalivetime timestamptz, p_version int)
returns table (row_count int) language plpgsql as $$
begin
    update orleansmembershipversiontable
       set timestamp = now(), version = version + 1
     where deploymentid = p_deploymentid and version = p_version;
    if not found then
        return query select 0;
        return;
    end if;
    insert into orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status, proxyport,
                                        starttime, iamalivetime)
    values (p_deploymentid, p_address, p_port, p_generation, p_siloname, p_hostname, p_status, p_proxyport,
            p_starttime, p_iamalivetime)
    on conflict do nothing;
    if not found then
        -- The silo row exists already: undo the version bump by failing the whole statement's effect.
        raise exception using errcode = 'P0001', message = 'membership row exists';
    end if;
    return query select 1;
exception when raise_exception then
    return query select 0;
end $$;

create function orleans_update_membership(
    p_deploymentid text, p_address text, p_port int, p_generation int, p_status int, p_suspecttimes text,
    p_iamalivetime timestamptz, p_version int)
returns table (row_count int) language plpgsql as $$
begin
    update orleansmembershipversiontable
       set timestamp = now(), version = version + 1
     where deploymentid = p_deploymentid and version = p_version;
    if not found then
        return query select 0;
        return;
    end if;
    update orleansmembershiptable
       set status = p_status, suspecttimes = p_suspecttimes, iamalivetime = p_iamalivetime
     where deploymentid = p_deploymentid and address = p_address and port = p_port and generation = p_generation;
    if not found then
        raise exception using errcode = 'P0001', message = 'membership row missing';
    end if;
    return query select 1;
exception when raise_exception then
    return query select 0;
end $$;

insert into orleansquery (querykey, querytext) values
('InsertMembershipVersionKey', '
    with inserted as (
        insert into orleansmembershipversiontable (deploymentid) values (@DeploymentId) on conflict do nothing
        returning 1)
    select count(*)::int from inserted'),
('InsertMembershipKey', '
    select row_count from orleans_insert_membership(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)'),
('UpdateMembershipKey', '
    select row_count from orleans_update_membership(@DeploymentId, @Address, @Port, @Generation, @Status,
        @SuspectTimes, @IAmAliveTime, @Version)'),
-- A heartbeat: never part of the versioned protocol, so it does not touch the version row.
('UpdateIAmAlivetimeKey', '
    update orleansmembershiptable set iamalivetime = @IAmAliveTime
     where deploymentid = @DeploymentId and address = @Address and port = @Port and generation = @Generation'),
('MembershipReadRowKey', '
    select v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
           m.suspecttimes, m.starttime, m.iamalivetime, v.version
      from orleansmembershipversiontable v
      left join orleansmembershiptable m on m.deploymentid = v.deploymentid
           and m.address = @Address and m.port = @Port and m.generation = @Generation
     where v.deploymentid = @DeploymentId'),
('MembershipReadAllKey', '
    select v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
           m.suspecttimes, m.starttime, m.iamalivetime, v.version
      from orleansmembershipversiontable v
      left join orleansmembershiptable m on m.deploymentid = v.deploymentid
     where v.deploymentid = @DeploymentId'),
('GatewaysQueryKey', '
    select address, proxyport, generation from orleansmembershiptable
     where deploymentid = @DeploymentId and status = @Status and proxyport > 0'),
('DeleteMembershipTableEntriesKey', '
    delete from orleansmembershiptable where deploymentid = @DeploymentId;
    delete from orleansmembershipversiontable where deploymentid = @DeploymentId'),
-- Dead silos'' rows are kept for a while (DefunctSiloExpiration) so that a restarted silo sees its old generation
-- declared dead; then they are removed. Status 3 is Active: an active row is never cleaned up.
('CleanupDefunctSiloEntriesKey', '
    delete from orleansmembershiptable
     where deploymentid = @DeploymentId and iamalivetime < @IAmAliveTime and status <> 3'),
('CleanupDefunctSiloEntryKey', '
    delete from orleansmembershiptable
     where deploymentid = @DeploymentId and address = @Address and port = @Port and generation = @Generation and status <> 3');

------------------------------------------------------------------------------------------------------------------
-- Grain state. Orleans addresses a grain by hashes of its id and type plus the strings; the version column is
-- the ETag: a write names the version it read, and a write from a stale activation changes no row, which Orleans
-- reports as InconsistentStateException. Unlike Orleans's reference script we give the grain a unique key, so
-- two first writes of the same grain (a split brain) cannot both insert: the loser fails instead of leaving two
-- rows.
------------------------------------------------------------------------------------------------------------------
create table orleansstorage (
    grainidhash            integer      not null,
    grainidn0              bigint       not null,
    grainidn1              bigint       not null,
    graintypehash          integer      not null,
    graintypestring        varchar(512) not null,
    grainidextensionstring varchar(512),
    serviceid              varchar(150) not null,
    payloadbinary          bytea,
    payloadxml             xml,
    payloadjson            text,
    modifiedon             timestamp    not null,
    version                integer
) with (fillfactor = 80); -- room on each page so that state updates stay HOT

create unique index orleansstorage_grain on orleansstorage
    (grainidhash, graintypehash, grainidn0, grainidn1, graintypestring, coalesce(grainidextensionstring, ''), serviceid);

-- Returns the new version, or the version given when nothing was written (Orleans then throws). The 10.4.2 provider
-- binds only the binary payload (Matrix's state serializer writes JSON bytes into it); payloadjson and payloadxml
-- stay for its reads, always null.
create function orleans_write_state(
    p_grainidhash int, p_grainidn0 bigint, p_grainidn1 bigint, p_graintypehash int, p_graintypestring text,
    p_grainidextensionstring text, p_serviceid text, p_version int, p_payloadbinary bytea)
returns table (newgrainstateversion int) language plpgsql as $$
begin
    if p_version is not null then
        update orleansstorage
           set payloadbinary = p_payloadbinary,
               modifiedon = now() at time zone 'utc', version = version + 1
         where grainidhash = p_grainidhash and graintypehash = p_graintypehash and grainidn0 = p_grainidn0
           and grainidn1 = p_grainidn1 and graintypestring = p_graintypestring
           and coalesce(grainidextensionstring, '') = coalesce(p_grainidextensionstring, '')
           and serviceid = p_serviceid and version = p_version;
        return query select case when found then p_version + 1 else p_version end;
        return;
    end if;
    insert into orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring,
                                serviceid, payloadbinary, modifiedon, version)
    values (p_grainidhash, p_grainidn0, p_grainidn1, p_graintypehash, p_graintypestring, p_grainidextensionstring,
            p_serviceid, p_payloadbinary, now() at time zone 'utc', 1)
    on conflict do nothing;
    return query select case when found then 1 else null::int end;
end $$;

insert into orleansquery (querykey, querytext) values
('WriteToStorageKey', '
    select newgrainstateversion from orleans_write_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
        @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)'),
('ReadFromStorageKey', '
    select payloadbinary, payloadxml, payloadjson, now() at time zone ''utc'', version
      from orleansstorage
     where grainidhash = @GrainIdHash and graintypehash = @GrainTypeHash and grainidn0 = @GrainIdN0
       and grainidn1 = @GrainIdN1 and graintypestring = @GrainTypeString
       and coalesce(grainidextensionstring, '''') = coalesce(@GrainIdExtensionString, '''')
       and serviceid = @ServiceId'),
('ClearStorageKey', '
    update orleansstorage set payloadbinary = null, payloadjson = null, payloadxml = null, version = version + 1
     where grainidhash = @GrainIdHash and graintypehash = @GrainTypeHash and grainidn0 = @GrainIdN0
       and grainidn1 = @GrainIdN1 and graintypestring = @GrainTypeString
       and coalesce(grainidextensionstring, '''') = coalesce(@GrainIdExtensionString, '''')
       and serviceid = @ServiceId and version = @GrainStateVersion
    returning version as newgrainstateversion'),
('DeleteStorageKey', '
    delete from orleansstorage
     where grainidhash = @GrainIdHash and graintypehash = @GrainTypeHash and grainidn0 = @GrainIdN0
       and grainidn1 = @GrainIdN1 and graintypestring = @GrainTypeString
       and coalesce(grainidextensionstring, '''') = coalesce(@GrainIdExtensionString, '''')
       and serviceid = @ServiceId and version = @GrainStateVersion
    returning 0 as newgrainstateversion');

------------------------------------------------------------------------------------------------------------------
-- Reminders. Each silo owns a range of grain hashes on the cluster's ring and reads its range (ReadRangeRows1
-- for a plain range, ReadRangeRows2 for one that wraps around). Version is the ETag of a row. The 10.4.2
-- provider uses only these columns (no cron, priority or next-due columns of later scripts).
------------------------------------------------------------------------------------------------------------------
create table orleansreminderstable (
    serviceid    varchar(150)   not null,
    grainid      varchar(150)   not null,
    remindername varchar(150)   not null,
    starttime    timestamptz(3) not null,
    period       bigint         not null,
    grainhash    integer        not null,
    version      integer        not null,
    primary key (serviceid, grainid, remindername)
);

create index orleansreminderstable_range on orleansreminderstable (serviceid, grainhash);

insert into orleansquery (querykey, querytext) values
('UpsertReminderRowKey', '
    insert into orleansreminderstable (serviceid, grainid, remindername, starttime, period, grainhash, version)
    values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    on conflict (serviceid, grainid, remindername) do update
       set starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
           version = orleansreminderstable.version + 1
    returning version'),
('ReadReminderRowsKey', '
    select grainid, remindername, starttime, period, version from orleansreminderstable
     where serviceid = @ServiceId and grainid = @GrainId'),
('ReadReminderRowKey', '
    select grainid, remindername, starttime, period, version from orleansreminderstable
     where serviceid = @ServiceId and grainid = @GrainId and remindername = @ReminderName'),
('ReadRangeRows1Key', '
    select grainid, remindername, starttime, period, version from orleansreminderstable
     where serviceid = @ServiceId and grainhash > @BeginHash and grainhash <= @EndHash'),
('ReadRangeRows2Key', '
    select grainid, remindername, starttime, period, version from orleansreminderstable
     where serviceid = @ServiceId and (grainhash > @BeginHash or grainhash <= @EndHash)'),
('DeleteReminderRowKey', '
    with gone as (
        delete from orleansreminderstable
         where serviceid = @ServiceId and grainid = @GrainId and remindername = @ReminderName and version = @Version
        returning 1)
    select count(*)::int from gone'),
('DeleteReminderRowsKey', '
    delete from orleansreminderstable where serviceid = @ServiceId');
