-- one row per year x country in the window: medical-AI papers, full counting, zero-filled
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
),

countries as (
  select unnest($countries::varchar[]) as country
),

tagged as (
  select work_id, year, countries
  from classified
  -- The keyword rule's verdict (both a medical and an AI keyword by default; see src/classify/).
  where is_medical_ai
    and year between $from_year and $to_year
    -- --types: only works of these OpenAlex types count (an empty list: every type).
    and (len($types::varchar[]) = 0 or work_id in (select work_id from works where list_contains($types::varchar[], type)))
    -- --merge-versions: the later version of a paper in version_pairs counts through the earlier.
    and not ($merge_versions and work_id in (select later_id from version_pairs))
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
