-- one row per work in scope (scope_table.sql) that has a selected country, tagged or not: the works.csv rows
-- reads: scope, version_map, works
create or replace temp table works_scope as
with

final as (
  select
    s.work_id,
    s.year,
    w.type,
    w.title,
    s.countries,
    s.is_medical,
    s.is_ai,
    s.is_medical_ai,
    s.matched_terms,
    -- The earlier version this work is counted through, when --merge-versions merged it.
    v.kept_id as merged_into
  from scope s
  left join works w on w.work_id = s.work_id
  left join version_map v on v.later_id = s.work_id
  -- The scope is what an API query for this window and these countries returns, so snapshot and
  -- API runs list the same works.
  where s.has_selected_country
)

select * from final
