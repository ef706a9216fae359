-- one row per year of the Scope: distinct medical-AI papers with at least one known affiliation country
-- reads: scope_cells, counted_papers
with

years as (
  select distinct year
  from scope_cells
),

tagged as (
  select year, count(*)::integer as papers
  from counted_papers
  -- The share denominator counts only papers that can be attributed to some country, so gaps in
  -- affiliation data do not depress every country's share alike.
  where len(countries) > 0
  group by year
),

final as (
  select years.year, coalesce(tagged.papers, 0) as papers
  from years
  left join tagged using (year)
  order by years.year
)

select * from final
