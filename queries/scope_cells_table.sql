-- one row per year x country the counts fill: every year of the Scope's window for every selected country
-- reads: (none)
-- The window (--from, --to, both years included) and the countries (--countries) are bound here and
-- nowhere else in the chain: scope_table.sql selects works by these cells, and the counts are
-- zero-filled over them, so a year or a country with no paper still has its row.
create or replace temp table scope_cells as
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
),

countries as (
  select unnest($countries::varchar[]) as country
),

final as (
  select years.year, countries.country
  from years
  cross join countries
)

select * from final
