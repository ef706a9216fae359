-- one row per year whose per-country counts do not add back to the papers they came from (empty when sound)
with

tagged as (
  -- One row per paper: with --merge-versions, a later version joins its earliest
  -- (version_map_table.sql) and the paper's countries are the union of its versions'. A paper of
  -- one version keeps its set as stored, so a set holding a country twice is still caught.
  select
    work_id,
    year,
    case when count(*) = 1 then any_value(countries) else list_distinct(flatten(list(countries))) end as countries
  from (
    select coalesce(m.kept_id, c.work_id) as work_id, coalesce(m.kept_year, c.year) as year, c.countries
    from classified c
    left join version_map m on $merge_versions and m.later_id = c.work_id
    where c.is_medical_ai
      and c.year between $from_year and $to_year
      -- --types: only works of these OpenAlex types count (an empty list: every type).
      and (len($types::varchar[]) = 0 or c.work_id in (select work_id from works where list_contains($types::varchar[], type)))
  )
  group by work_id, year
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
