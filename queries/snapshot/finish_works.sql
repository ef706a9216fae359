-- one row per distinct work the duckdb reader staged: its newest copy (compact_stage), in the columns of schema/works.sql, with no abstract, authorships or MeSH
-- reads: compact_stage
-- The newest-copy rule, as isNewerCopy() in src/model/work.ts: the greatest updated_date (none is
-- older than any), and on a tie the copy read first (file order, then line), so the result does not
-- depend on how many files were read at once. By a window over the staged copies, not an index on
-- the ids, nor arg_max: its per-work states did not spill, and 1M works ran out of 400 MB.
select
  work_id,
  year,
  title,
  null::varchar as abstract,
  null::json as authorships,
  authors_truncated,
  null::json as mesh,
  type,
  language,
  updated_date,
  origin,
  slice_countries
from compact_stage
qualify row_number() over (partition by work_id order by coalesce(updated_date, '') desc, file_order, line) = 1
