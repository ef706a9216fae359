-- one row per year whose per-country counts do not add back to the papers they came from (empty when sound)
-- reads: counted_papers
with

tagged as (
  -- The papers counted, one row each (counted_papers_table.sql).
  select work_id, year, countries
  from counted_papers
),

-- Full counting: summed over every country, the counts must equal the sum of each paper's
-- country-set size. A set holding a country twice, or a paper stored twice, breaks the equality.
expected as (
  select year, sum(len(countries))::integer as country_papers, count(*)::integer as papers
  from tagged
  group by year
),

per_country as (
  select year, country, count(distinct work_id)::integer as papers
  from (select year, work_id, unnest(countries) as country from tagged)
  group by year, country
),

observed as (
  select year, sum(papers)::integer as country_papers, max(papers)::integer as largest_country
  from per_country
  group by year
),

final as (
  select e.year, e.country_papers as expected, coalesce(o.country_papers, 0) as observed
  from expected e
  left join observed o using (year)
  where e.country_papers <> coalesce(o.country_papers, 0)
     -- No country can have more papers than the year has.
     or coalesce(o.largest_country, 0) > e.papers
)

select * from final
