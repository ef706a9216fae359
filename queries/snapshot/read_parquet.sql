-- one row per record of one Parquet snapshot part, as schema/snapshot_parquet.sql reads it, kept for
-- the steps that stage its works and rejects (snapshot/stage_rejects.sql)
create or replace temp table snapshot_read as select * from snapshot_parquet($file, $fold_hk_mo)
