-- removes the classifications of works no longer stored (set aside by merged_ids or deleted_ids.csv after the duckdb reader classified them)
-- reads: classified, works
delete from classified c
where not exists (select 1 from works w where w.work_id = c.work_id)
