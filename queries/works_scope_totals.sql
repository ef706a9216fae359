-- the works.csv rows (works_csv.sql) counted: works, medical-AI works, and text cells from which
-- csv_cleaned dropped or changed characters (the manifest's worksCsvCellsCleaned)
-- reads: works_scope
with

cells as (
  select
    is_medical_ai,
    [work_id, type, array_to_string(countries, ';'), array_to_string(matched_terms, ';'), merged_into, title] as texts
  from works_scope
),

final as (
  select
    count(*) as works,
    count(*) filter (where is_medical_ai) as medical_ai,
    coalesce(sum(len(list_filter(texts, t -> csv_dirty(t)))), 0) as cells_cleaned
  from cells
)

select * from final
