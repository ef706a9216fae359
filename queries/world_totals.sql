-- one row per year in the window: distinct medical-AI papers with at least one known affiliation country
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
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
  select y.year, coalesce(tagged.papers, 0) as papers
  from years y
  left join tagged using (year)
  order by y.year
)

select * from final
