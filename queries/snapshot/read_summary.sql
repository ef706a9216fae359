-- one row: the records of the part in temp table snapshot_read, and how many of them SQL cannot read exactly (then the node reader reads the part)
-- reads: snapshot_read
select count(*)::integer as records, count(*) filter (where precise)::integer as precise from snapshot_read
