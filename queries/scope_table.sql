-- one row per classified work in the Scope: its year in the window and of a selected type, tagged or not
-- reads: classified, works, scope_cells, classified_compare
-- The stored work's type and title are joined later, to the rows that show them (works_scope_table.sql,
-- version_pairs_table.sql): at 5M works read, joining them here took 2.6 of the report's seconds.
-- Every count and works.csv read their works from this table, so the window, the countries and the
-- types are applied here once. The country policy was applied when classifying (classified.countries,
-- src/classify/countries.ts); --merge-versions is applied in version_map_table.sql.
create or replace temp table scope as
with

classified_works as (
  -- The classifier's verdict and countries.
  select
    c.work_id,
    c.year,
    c.countries,
    c.weights,
    c.is_medical,
    c.is_ai,
    -- The verdict the chain counts: the rule's, or with $compare the second rule's
    -- (--compare-keywords, src/pipeline/compare.ts), through the same window, types and versions.
    case when $compare then coalesce(cc.is_medical_ai, false) else c.is_medical_ai end as is_medical_ai,
    c.matched_terms
  from classified c
  left join classified_compare cc using (work_id)
),

typed as (
  select work_id from works where list_contains($types::varchar[], type)
),

selected as (
  select list(distinct country) as countries from scope_cells
),

final as (
  select
    classified_works.*,
    -- works.csv lists the works with a selected country; the counts take every country, for the
    -- world totals.
    list_has_any(classified_works.countries, selected.countries) as has_selected_country
  from classified_works
  cross join selected
  where classified_works.year in (select year from scope_cells)
    -- --types: only works of these OpenAlex types are in scope (an empty list: every type).
    and (len($types::varchar[]) = 0 or classified_works.work_id in (select work_id from typed))
)

select * from final
