-- one row per distinct work the duckdb reader staged: the keyword rule's verdict and the countries of its newest copy, in the columns of schema/classified.sql
-- reads: compact_stage
-- The same newest copy as finish_works.sql (the same key): greatest updated_date, then first read.
with

newest as (
  select
    work_id,
    arg_max(
      {'year': year, 'is_medical': is_medical, 'is_ai': is_ai, 'is_medical_ai': is_medical_ai, 'matched_terms': matched_terms, 'countries': countries, 'weights': weights},
      {'updated': coalesce(updated_date, ''), 'file_order': -file_order, 'line': -line}
    ) as c
  from compact_stage
  group by work_id
),

final as (
  select
    work_id,
    c.year,
    c.is_medical,
    c.is_ai,
    c.is_medical_ai,
    c.matched_terms,
    c.countries,
    c.weights
  from newest
)

select * from final
