-- one row per distinct work the duckdb reader staged: the keyword rule's verdict and the countries of its newest copy, in the columns of schema/classified.sql
-- reads: compact_stage
-- The same newest copy as finish_works.sql (the same window and order): greatest updated_date, then first read.
select
  work_id,
  year,
  is_medical,
  is_ai,
  is_medical_ai,
  matched_terms,
  countries,
  weights
from compact_stage
qualify row_number() over (partition by work_id order by coalesce(updated_date, '') desc, file_order, line) = 1
