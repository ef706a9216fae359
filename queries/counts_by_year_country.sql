-- one row per year x country in the window: medical-AI papers, full counting, zero-filled
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
),

countries as (
  select unnest($countries::varchar[]) as country
),

tagged as (
  -- --merge-versions: a later version of a paper counts as the paper's earliest version
  -- (version_map_table.sql), in its year, so the paper counts for every country any version has.
  select coalesce(m.kept_id, c.work_id) as work_id, coalesce(m.kept_year, c.year) as year, c.countries
  from classified c
  left join version_map m on $merge_versions and m.later_id = c.work_id
  -- The keyword rule's verdict (both a medical and an AI keyword by default; see src/classify/).
  where c.is_medical_ai
    and c.year between $from_year and $to_year
    -- --types: only works of these OpenAlex types count (an empty list: every type).
    and (len($types::varchar[]) = 0 or c.work_id in (select work_id from works where list_contains($types::varchar[], type)))
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
