-- one row per work in scope with a selected country: the works.csv rows; the medical-AI works (the
-- papers behind the counts), or with $list_all (--list-works all) every work, tagged or not
-- reads: scope, scope_all, version_map, works
create or replace temp table works_scope as
with

listed as (
  -- The medical-AI works are in scope_table.sql, with their type and title; every work (--list-works
  -- all) only in scope_all, their titles joined from `works` here (classified holds only the tagged
  -- works' titles). $list_all is bound, so DuckDB plans one branch.
  select work_id, year, type, title, countries, is_medical, is_ai, is_medical_ai, matched_terms, has_selected_country
  from scope
  where not $list_all
  union all
  select a.work_id, a.year, a.type, w.title, a.countries, a.is_medical, a.is_ai, a.is_medical_ai, a.matched_terms, a.has_selected_country
  from scope_all($types::varchar[], $compare::boolean) a
  left join works w on w.work_id = a.work_id
  where $list_all
),

final as (
  select
    s.work_id,
    s.year,
    s.type,
    s.title,
    s.countries,
    s.is_medical,
    s.is_ai,
    s.is_medical_ai,
    s.matched_terms,
    -- The earlier version this work is counted through, when --merge-versions merged it.
    v.kept_id as merged_into
  from listed s
  left join version_map v on v.later_id = s.work_id
  -- The scope is what an API query for this window and these countries returns, so snapshot and
  -- API runs list the same works.
  -- --list-works: at 5M works read, every work of the window with a selected country was 822k rows
  -- (16% of the works read; tens of millions on the full snapshot), against 30k medical-AI ones.
  where s.has_selected_country
)

select * from final
