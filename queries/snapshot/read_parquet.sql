-- the records from line $from to line $to of one Parquet snapshot part (whole row groups, see
-- parquet_row_groups.sql), as schema/snapshot_parquet.sql reads them, into temp table
-- snapshot_source for the abstracts (src/pipeline/read-part.ts) and snapshot/read_part.sql; the
-- first row group makes the table (an empty part: $from 1, $to 0), the others are appended to it
-- with append_parquet.sql
create or replace temp table snapshot_source as select * from snapshot_parquet($file) where line between $from and $to
