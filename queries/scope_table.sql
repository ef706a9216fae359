-- one row per medical-AI work in the Scope (scope_all_table.sql): the works every count reads
-- reads: scope_all, scope_filter
-- Tagged works only: the counts, the version pairs and works.csv's default listing need no other;
-- the baselines read scope_profile_table.sql, and --list-works all the view scope_all.
create or replace temp table scope as
with

final as (
  select
    scope_all.*,
    -- works.csv lists the works with a selected country; the counts take every country, for the
    -- world totals.
    list_has_any(scope_all.countries, (select countries from scope_filter)) as has_selected_country
  from scope_all
  where scope_all.is_medical_ai
)

select * from final
