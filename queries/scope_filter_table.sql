-- one row: the selected countries as a list
-- reads: scope_cells
-- For list_has_any: works.csv lists the works with a selected country, and the works-in-scope total
-- counts them.
create or replace temp table scope_filter as
with

final as (
  select (select list(distinct country order by country) from scope_cells) as countries
)

select * from final
