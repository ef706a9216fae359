-- one row: the last line of temp table snapshot_source (0 when it is empty)
-- reads: snapshot_source
select coalesce(max(line), 0)::bigint as last from snapshot_source
