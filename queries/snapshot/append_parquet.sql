-- the records from line $from to line $to (a row group) of one Parquet snapshot part, appended to
-- temp table snapshot_source (see read_parquet.sql)
-- reads: snapshot_source
insert into snapshot_source select * from snapshot_parquet($file) where line between $from and $to
