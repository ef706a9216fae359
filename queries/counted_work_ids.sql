-- one row per paper the counts count for a selected country (counted_papers_table.sql): the works a
-- hand review's precision is computed over
-- reads: scope_cells, counted_papers
with

selected as (
  select list(distinct country) as countries from scope_cells
),

final as (
  select counted_papers.work_id
  from counted_papers
  cross join selected
  where list_has_any(counted_papers.countries, selected.countries)
  order by counted_papers.work_id
)

select * from final
