-- The newest staged copy of each work the duckdb reader read (every column of compact_stage), for
-- snapshot/finish_works.sql and finish_classified.sql, which each take their columns from it.
-- The newest-copy rule, as isNewerCopy() in src/model/work.ts: the greatest updated_date (none is
-- older than any), and on a tie the copy read first (file order, then line), so the result does not
-- depend on how many files were read at once. By a window over the staged copies, not an index on
-- the ids, nor arg_max: its per-work states did not spill, and 1M works ran out of 400 MB. A table
-- macro, not a temp table of the newest copies: materializing every column once spilled, and the
-- 1M fetch's finish took 8.1 s against 5.3 s for a window per table over only its columns.
create or replace temp macro snapshot_newest_copies() as table
  select *
  from compact_stage
  qualify row_number() over (partition by work_id order by coalesce(updated_date, '') desc, file_order, line) = 1
