-- one row per record of one Parquet snapshot part, as schema/snapshot_parquet.sql reads it, for
-- the abstracts (src/pipeline/read-part.ts) and snapshot/read_part.sql
create or replace temp table snapshot_source as select * from snapshot_parquet($file)
