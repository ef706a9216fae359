-- one row per distinct work the duckdb reader staged: the keyword rule's verdict and the countries of its newest copy (schema/snapshot_newest_copies.sql), in the columns of schema/classified.sql
-- reads: compact_stage
select
  work_id,
  year,
  is_medical,
  is_ai,
  is_medical_ai,
  matched_terms,
  countries,
  weights,
  type,
  case when is_medical_ai then title end as title,
  country_set(countries) as country_set
from snapshot_newest_copies()
