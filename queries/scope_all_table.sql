-- a table macro, scope_all(types, compare): one row per classified work in the Scope, its year in the window and of a selected type, tagged or not
-- reads: classified, classified_compare, works, scope_cells, scope_filter
-- Not a table: at 5M works read the window held 2.4M works, and writing them into a table took 1.7
-- of the report's seconds. The counts and the version pairs read the medical-AI works
-- (scope_table.sql); the baselines and the works-in-scope total read its totals
-- (scope_profile_table.sql); works.csv lists its rows only with --list-works all (works_scope_table.sql).
-- The window, the types and the verdict are applied here once. Its callers bind --types ($types) and
-- the verdict counted ($compare) and pass them on unchanged: a bound value is a constant to DuckDB's
-- planner, so the rule's own verdict never joins classified_compare or `works`, and `where
-- is_medical_ai` reaches the scan of `classified`, laid out by verdict and year (CLASSIFIED_ORDER in
-- src/store/store.ts). At 5M works read, as a view reading its values from a table (which DuckDB
-- cannot fold) the window's totals took 0.6-0.9 s and its medical-AI works 0.3-0.5 s; bound, 0.4 s
-- and 0.06 s.
-- The country policy was applied when classifying (classified.countries, src/classify/countries.ts);
-- --merge-versions is applied in version_map_table.sql. Each work's type and the rule's medical-AI
-- works' titles are columns of `classified`: a join with `works` read every title of the data set
-- for the few the report lists (0.2-0.6 s at the 5M-work bench; 460M titles on the full snapshot).
-- Only the second rule's verdict tags works whose titles `classified` lacks: with `compare`, titles
-- come from `works`. works_scope_table.sql reads the others' for --list-works all.
create or replace temp macro scope_all(types, compare) as table
with

classified_works as (
  -- The classifier's verdict and countries; with `compare`, the second rule's verdict
  -- (--compare-keywords, src/pipeline/compare.ts), through the same window, types and versions.
  select
    c.work_id,
    c.year,
    c.countries,
    c.country_set,
    c.weights,
    c.is_medical,
    c.is_ai,
    case when compare then coalesce(cc.is_medical_ai, false) else c.is_medical_ai end as is_medical_ai,
    c.matched_terms,
    c.type,
    case when compare then w.title else c.title end as title
  from classified c
  left join classified_compare cc on compare and cc.work_id = c.work_id
  left join works w on compare and w.work_id = c.work_id
),

final as (
  -- Every country, for the world totals. Whether a work has a selected country (works.csv lists
  -- those) is a column only the callers that read it compute, after their filters: DuckDB drops a
  -- column nobody reads, and over every work of the window it took 0.6 s at 5M works read.
  select
    classified_works.*,
    list_has_any(classified_works.countries, (select countries from scope_filter)) as has_selected_country
  from classified_works
  where classified_works.year in (select year from scope_cells)
    -- --types: only works of these OpenAlex types (an empty list: every type); classified holds
    -- each work's type, so no Scope reads `works`.
    and (len(types) = 0 or list_contains(types, classified_works.type))
)

select * from final
