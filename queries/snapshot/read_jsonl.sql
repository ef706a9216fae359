-- one row per record of one JSON Lines snapshot part, as schema/snapshot_jsonl.sql reads it, kept for
-- the steps that stage its works and rejects (snapshot/stage_rejects.sql)
create or replace temp table snapshot_read as select * from snapshot_jsonl($file, $fold_hk_mo)
