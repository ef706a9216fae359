-- one row per record of one Parquet snapshot part, in the columns the duckdb reader stages
-- STAND-IN (H3) until H1's snapshot_parquet.sql replaces this file: every record is `precise`, so
-- a Parquet part goes to the node reader's fallback, which cannot read Parquet and says so.
create or replace macro snapshot_parquet(file, fold_hk_mo) as table
select
  file_row_number + 1 as line,
  null::varchar as work_id, null::integer as year, null::varchar as title, null::varchar as abstract,
  null::varchar as type, null::varchar as language, null::varchar as updated_date, false as authors_truncated,
  []::varchar[] as slice_countries, []::varchar[] as countries, []::double[] as weights,
  null::varchar as reject, []::varchar[] as notes, true as precise, null::varchar as raw
-- Not hive partitions: the folders' updated_date= would replace the records' own.
from read_parquet(file, file_row_number = true, hive_partitioning = false)
