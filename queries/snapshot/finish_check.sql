-- one row: the compact works and classifications made from compact_stage, to check that each holds every work once
-- reads: compact_stage, works, classified
select
  (select count(*) from compact_stage)::bigint as staged,
  (select count(*) from works)::bigint as works,
  (select count(distinct work_id) from works)::bigint as work_ids,
  (select count(*) from classified)::bigint as classified,
  (select count(distinct work_id) from classified)::bigint as classified_ids
