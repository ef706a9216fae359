-- one row per distinct work in scope (see works_scope_table.sql), as works.csv writes it
-- reads: works_scope
with

final as (
  select
    work_id,
    year,
    type,
    array_to_string(countries, ';') as countries,
    is_medical,
    is_ai,
    is_medical_ai,
    array_to_string(matched_terms, ';') as matched_terms,
    merged_into,
    title
  from works_scope
  order by length(work_id), work_id
)

select * from final
