-- a view, one row per classified work in the Scope: its year in the window and of a selected type, tagged or not
-- reads: classified, classified_compare, works, scope_cells, scope_filter
-- A view, not a table: at 5M works read the window held 2.4M works, and writing them into a table
-- took 1.7 of the report's seconds. The counts and the version pairs read the medical-AI works
-- (scope_table.sql); the baselines and the works-in-scope total read its totals
-- (scope_profile_table.sql); works.csv lists its rows only with --list-works all (works_scope_table.sql).
-- The window, the countries and the types are applied here once. The country policy was applied
-- when classifying (classified.countries, src/classify/countries.ts); --merge-versions is applied in
-- version_map_table.sql. The stored work's type and title are joined later, to the rows that show
-- them (works_scope_table.sql, version_pairs_table.sql).
create or replace temp view scope_all as
with

filter as (
  select * from scope_filter
),

classified_works as (
  -- The classifier's verdict and countries.
  select
    c.work_id,
    c.year,
    c.countries,
    c.weights,
    c.is_medical,
    c.is_ai,
    case when (select compare from filter) then coalesce(cc.is_medical_ai, false) else c.is_medical_ai end as is_medical_ai,
    c.matched_terms
  from classified c
  left join classified_compare cc using (work_id)
),

typed as (
  select work_id from works where list_contains((select types from filter), type)
),

final as (
  -- Every country, for the world totals; whether a work has a selected country is asked only of the
  -- rows that need it (scope_table.sql, works_scope_table.sql, works_scope_totals.sql): over every
  -- work of the window it took 0.6 s at 5M works read.
  select classified_works.*
  from classified_works
  where classified_works.year in (select year from scope_cells)
    and (len((select types from filter)) = 0 or classified_works.work_id in (select work_id from typed))
)

select * from final
