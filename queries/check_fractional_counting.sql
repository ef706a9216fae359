-- one row per year whose fractional counts do not add back to its papers with a known country (empty when sound)
-- reads: counted_papers
with

tagged as (
  -- The papers counted, one row each (counted_papers_table.sql).
  select work_id, year, countries, weights
  from counted_papers
),

-- Fractional counting (CWTS): summed over every country, a year's weights must equal its papers
-- with at least one country, each of which adds 1 in all. A weight list that does not line up with
-- its country list, a weight that is not positive, or a paper stored twice breaks the equality.
expected as (
  select year, count(*) filter (where len(countries) > 0)::integer as papers
  from tagged
  group by year
),

observed as (
  select
    year,
    coalesce(sum(list_sum(weights)), 0.0)::double as weight_sum,
    count(*) filter (where len(weights) <> len(countries) or list_min(weights) <= 0)::integer as misaligned
  from tagged
  group by year
),

final as (
  select e.year, e.papers as expected, o.weight_sum as observed, o.misaligned
  from expected e
  inner join observed o using (year)
  -- 1e-6: the sums of many doubles round; a lost or doubled paper is off by far more.
  where abs(o.weight_sum - e.papers) > 1e-6
     or o.misaligned > 0
  order by e.year
)

select * from final
