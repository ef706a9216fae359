-- the works in scope with a selected country (tagged or not) and the medical-AI ones among them, the
-- works.csv rows (works_csv.sql), and its text cells from which csv_cleaned dropped or changed
-- characters (the manifest's worksCsvCellsCleaned)
-- reads: scope_profile, scope_filter, works_scope
with

in_scope as (
  select
    coalesce(sum(works), 0)::bigint as works,
    coalesce(sum(medical_ai), 0)::bigint as medical_ai
  from scope_profile
  where list_has_any(countries, (select countries from scope_filter))
),

cells as (
  select [work_id, type, array_to_string(countries, ';'), array_to_string(matched_terms, ';'), merged_into, title] as texts
  from works_scope
),

listed as (
  select
    count(*) as listed,
    coalesce(sum(len(list_filter(texts, t -> csv_dirty(t)))), 0) as cells_cleaned
  from cells
),

final as (
  select in_scope.works, in_scope.medical_ai, listed.listed, listed.cells_cleaned
  from in_scope
  cross join listed
)

select * from final
