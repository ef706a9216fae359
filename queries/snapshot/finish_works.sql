-- one row per distinct work the duckdb reader staged: its newest copy (schema/snapshot_newest_copies.sql), in the columns of schema/works.sql, with no abstract, authorships or MeSH
-- reads: compact_stage
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
from snapshot_newest_copies()
