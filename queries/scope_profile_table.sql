-- one row per year and set of countries among the works in scope (scope_all_table.sql): how many works,
-- with an AI keyword, a medical keyword, and medical AI by the verdict counted
-- reads: scope_all
-- Every total over all the works of the window is read from here: the baselines per country and for
-- the world (baselines_local.sql) and the works in scope with a selected country
-- (works_scope_totals.sql). One pass over the window's works instead of three: at 5M works read the
-- window held 2.4M works in 509 such rows.
create or replace temp table scope_profile as
with

profile as (
  -- By the country set as text (schema/country_set.sql): at 5M works read, 0.04 s against 0.15-0.2 s
  -- by the list, whose strings DuckDB reads for each of the window's 2.4M works.
  select
    year,
    country_set,
    count(*)::bigint as works,
    count(*) filter (where is_ai)::bigint as ai,
    count(*) filter (where is_medical)::bigint as medical,
    count(*) filter (where is_medical_ai)::bigint as medical_ai
  from scope_all($types::varchar[], $compare::boolean)
  group by year, country_set
),

final as (
  -- The list again: ISO 3166-1 alpha-2 codes hold no comma.
  select
    year,
    case when country_set = '' then []::varchar[] else string_split(country_set, ',') end as countries,
    works,
    ai,
    medical,
    medical_ai
  from profile
)

select * from final
