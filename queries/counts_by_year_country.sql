-- one row per year x country in the window: medical-AI papers, full counting, zero-filled
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
),

countries as (
  select unnest($countries::varchar[]) as country
),

tagged as (
  -- The papers of the window (counted_papers_table.sql: the keyword verdict, --types, --merge-versions).
  select work_id, year, countries
  from counted_papers
),

-- Full counting: a paper counts once for every distinct country among its authors' affiliations;
-- `countries` is already a de-duplicated set, so unnesting it cannot count a paper twice.
per_country as (
  select year, unnest(countries) as country, work_id
  from tagged
),

counted as (
  select year, country, count(distinct work_id)::integer as papers
  from per_country
  group by year, country
),

final as (
  select y.year, c.country, coalesce(counted.papers, 0) as papers
  from years y
  cross join countries c
  left join counted on counted.year = y.year and counted.country = c.country
  order by y.year, c.country
)

select * from final
