-- removes from temp table snapshot_read the records the node reader read instead (their rows are staged already)
-- reads: snapshot_read
delete from snapshot_read where precise
