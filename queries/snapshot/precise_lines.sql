-- one row per record of the part in temp table snapshot_read that SQL cannot read exactly: its line, for the node reader
-- reads: snapshot_read
select line::bigint as line from snapshot_read where precise order by line
